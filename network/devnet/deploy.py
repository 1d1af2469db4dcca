"""``consortium deploy``: put a chaincode-as-a-service on a running devnet, the way Fabric operators do.

Steps (each skipped when already done, so running it twice changes nothing):
1. package: a ccaas tarball (``metadata.json`` type "ccaas" + ``code.tar.gz`` with ``connection.json``), built
   byte-for-byte reproducibly so its package ID is stable;
2. install on every peer of the channel's orgs, signed by that org's Admin (``_lifecycle`` InstallChaincode,
   channel-less, like ``peer lifecycle chaincode install``);
3. pick the sequence: the committed one when version, policy and every org's approved package already
   match, else committed + 1 (an upgrade);
4. approve for each org on that org's peer (Gateway Endorse with ``endorsing_organizations=[org]``, Submit,
   CommitStatus);
5. check commit readiness and commit the definition (Gateway Endorse lets the gateway collect the
   LifecycleEndorsement majority);
6. start the chaincode server (``python -m chaincode`` by default) with ``CHAINCODE_ID`` = package ID and
   ``CHAINCODE_SERVER_ADDRESS``; restart it when the package changed; wait until it accepts connections.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from fabric_protos.common import policies_pb2
from fabric_protos.gateway import gateway_pb2, gateway_pb2_grpc
from fabric_protos.peer import peer_pb2_grpc, transaction_pb2
from fabric_protos.peer.lifecycle import lifecycle_pb2 as lc

from gateway.client.commit import signed_commit_status_request
from gateway.client.identity import Identity, Signer, load_msp_identity
from network.devnet.lifecycle.client import lifecycle_proposal
from network.devnet.lifecycle.package import build_ccaas_package, package_id
from network.devnet.node import paths, processes, supervisor
from network.devnet.node.grpcserver import client_channel
from network.devnet.node.processes import NodeProcess
from network.layout import NetworkLayout

Progress = Callable[[str], None]
RPC_TIMEOUT = 60.0
SETTLE_TIMEOUT = 60.0
DEFAULT_CHAINCODE_PORT = 9999


class DeployError(RuntimeError):
    """A deploy step failed; the message names the step, the peer and Fabric's answer."""


@dataclass(frozen=True)
class PeerTarget:
    mspid: str
    host: str
    address: str
    tls_root: bytes


@dataclass(frozen=True)
class DeployResult:
    name: str
    package_id: str
    sequence: int
    address: str
    changed: bool


def channel_peers(layout: NetworkLayout, channel: str) -> list[PeerTarget]:
    members = set(layout.spec.channel(channel).orgs)
    out = []
    for org, peer in layout.spec.peers():
        if org.msp_id in members:
            out.append(PeerTarget(org.msp_id, f"{peer.name}.{org.domain}", f"127.0.0.1:{peer.port}",
                                  layout.tlsca_cert(org.msp_id).read_bytes()))
    if not out:
        raise DeployError(f"channel {channel}: no peers")
    return out


def chaincode_port(layout: NetworkLayout, name: str) -> int:
    """A stable port per chaincode name from the spec's chaincode port range (recorded in run/)."""
    registry = paths.run_dir(layout.root) / "chaincode-ports.json"
    ports: dict[str, int] = json.loads(registry.read_text()) if registry.is_file() else {}
    if name not in ports:
        base = getattr(layout.spec, "chaincode_base_port", None) or DEFAULT_CHAINCODE_PORT
        used = set(ports.values())
        ports[name] = next(p for p in range(base, base + 1000) if p not in used)
        registry.parent.mkdir(parents=True, exist_ok=True)
        tmp = registry.with_suffix(".tmp")
        tmp.write_text(json.dumps(ports, indent=2, sort_keys=True))
        os.replace(tmp, registry)
    return ports[name]


def validation_parameter(policy: str | None) -> bytes:
    """``--policy`` in Fabric's DSL -> ApplicationPolicy; empty -> the channel's Endorsement policy."""
    if not policy:
        return b""
    from network.devnet.policy import from_string

    return policies_pb2.ApplicationPolicy(signature_policy=from_string(policy)).SerializeToString()


class Deployer:
    def __init__(self, layout: NetworkLayout, channel: str, progress: Progress) -> None:
        self.layout = layout
        self.channel = channel
        self.progress = progress
        self.peers = channel_peers(layout, channel)
        self._admins: dict[str, tuple[Identity, Signer]] = {}
        self._channels: dict[str, grpc.aio.Channel] = {}

    def admin(self, mspid: str) -> tuple[Identity, Signer]:
        if mspid not in self._admins:
            self._admins[mspid] = load_msp_identity(self.layout.admin_msp_dir(mspid), mspid)
        return self._admins[mspid]

    def _grpc(self, peer: PeerTarget) -> grpc.aio.Channel:
        if peer.address not in self._channels:
            self._channels[peer.address] = client_channel(peer.address, peer.tls_root, peer.host)
        return self._channels[peer.address]

    async def close(self) -> None:
        for ch in self._channels.values():
            await ch.close()

    def org_peer(self, mspid: str) -> PeerTarget:
        return next(p for p in self.peers if p.mspid == mspid)

    # -- one _lifecycle call on one peer ---------------------------------------------------------------
    async def call(self, peer: PeerTarget, channel: str, function: str, args: Any, result_type: Any) -> Any:
        identity, signer = self.admin(peer.mspid)
        signed, _ = lifecycle_proposal(identity, signer, channel, function, args.SerializeToString())
        try:
            resp = await peer_pb2_grpc.EndorserStub(self._grpc(peer)).ProcessProposal(signed, timeout=RPC_TIMEOUT)
        except grpc.aio.AioRpcError as exc:
            raise DeployError(f"{function} on {peer.host}: {exc.code().name}: {exc.details()}") from exc
        if resp.response.status == 404:
            return None
        if resp.response.status != 200:
            raise DeployError(f"{function} on {peer.host}: status {resp.response.status}: {resp.response.message}")
        return result_type.FromString(resp.response.payload)

    async def transact(self, peer: PeerTarget, function: str, args: Any, endorsing_orgs: list[str]) -> None:
        """Endorse through ``peer``'s gateway, sign, submit, wait for the commit; VALID or DeployError."""
        identity, signer = self.admin(peer.mspid)
        signed, txid = lifecycle_proposal(identity, signer, self.channel, function, args.SerializeToString())
        stub = gateway_pb2_grpc.GatewayStub(self._grpc(peer))
        try:
            endorsed = await stub.Endorse(gateway_pb2.EndorseRequest(
                transaction_id=txid, channel_id=self.channel, proposed_transaction=signed,
                endorsing_organizations=endorsing_orgs), timeout=RPC_TIMEOUT)
            envelope = endorsed.prepared_transaction
            envelope.signature = signer(envelope.payload)
            await stub.Submit(gateway_pb2.SubmitRequest(transaction_id=txid, channel_id=self.channel,
                                                        prepared_transaction=envelope), timeout=RPC_TIMEOUT)
            status = await stub.CommitStatus(signed_commit_status_request(identity, signer, self.channel, txid),
                                             timeout=RPC_TIMEOUT)
        except grpc.aio.AioRpcError as exc:
            from gateway.client.status import error_details_from_call

            details = "; ".join(f"{d.msp_id}@{d.address}: {d.message}" for d in error_details_from_call(exc))
            raise DeployError(f"{function} via {peer.host}: {exc.code().name}: {exc.details()} {details}") from exc
        if status.result != transaction_pb2.VALID:
            raise DeployError(f"{function} transaction {txid} committed as "
                              f"{transaction_pb2.TxValidationCode.Name(status.result)}")

    # -- steps -------------------------------------------------------------------------------------
    async def install(self, package: bytes, pkg_id: str) -> bool:
        changed = False
        for peer in self.peers:
            found = await self.call(peer, "", "QueryInstalledChaincode",
                                    lc.QueryInstalledChaincodeArgs(package_id=pkg_id), lc.QueryInstalledChaincodeResult)
            if found is not None:
                continue
            await self.call(peer, "", "InstallChaincode", lc.InstallChaincodeArgs(chaincode_install_package=package),
                            lc.InstallChaincodeResult)
            self.progress(f"installed {pkg_id} on {peer.host}")
            changed = True
        return changed

    async def approved(self, mspid: str, name: str, sequence: int) -> Any:
        return await self.call(self.org_peer(mspid), self.channel, "QueryApprovedChaincodeDefinition",
                               lc.QueryApprovedChaincodeDefinitionArgs(name=name, sequence=sequence),
                               lc.QueryApprovedChaincodeDefinitionResult)

    @staticmethod
    def _matches(defn: Any, version: str, vparam: bytes, pkg_id: str | None = None) -> bool:
        if defn is None or defn.version != version or defn.init_required:
            return False
        if vparam and defn.validation_parameter != vparam:
            return False
        return pkg_id is None or defn.source.local_package.package_id == pkg_id

    async def choose_sequence(self, name: str, version: str, vparam: bytes, pkg_id: str) -> tuple[int, bool]:
        """(sequence, already committed as wanted)."""
        first = self.peers[0]
        committed = await self.call(first, self.channel, "QueryChaincodeDefinition",
                                    lc.QueryChaincodeDefinitionArgs(name=name), lc.QueryChaincodeDefinitionResult)
        if committed is None:
            return 1, False
        if self._matches(committed, version, vparam):
            orgs = sorted({p.mspid for p in self.peers})
            approvals = [await self.approved(m, name, committed.sequence) for m in orgs]
            if all(self._matches(a, version, vparam, pkg_id) for a in approvals):
                return committed.sequence, True
        return committed.sequence + 1, False

    async def approve_all(self, name: str, version: str, vparam: bytes, pkg_id: str, sequence: int) -> None:
        for mspid in sorted({p.mspid for p in self.peers}):
            if self._matches(await self.approved(mspid, name, sequence), version, vparam, pkg_id):
                continue
            args = lc.ApproveChaincodeDefinitionForMyOrgArgs(name=name, version=version, sequence=sequence,
                                                             validation_parameter=vparam)
            args.source.local_package.package_id = pkg_id
            await self.transact(self.org_peer(mspid), "ApproveChaincodeDefinitionForMyOrg", args, [mspid])
            self.progress(f"approved {name} sequence {sequence} for {mspid}")

    async def commit(self, name: str, version: str, vparam: bytes, sequence: int) -> None:
        """Commit once every org's approval has reached every peer (peers commit blocks at their own pace, so
        readiness is polled): the gateway may pick any org's peer to endorse, and a peer that has not seen an
        approval yet reads a different version, so the endorsements would not match. Then wait until every peer
        has the definition."""
        args = lc.CheckCommitReadinessArgs(name=name, version=version, sequence=sequence, validation_parameter=vparam)
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while True:
            missing: list[str] = []
            for peer in self.peers:
                ready = await self.call(peer, self.channel, "CheckCommitReadiness", args,
                                        lc.CheckCommitReadinessResult)
                lagging = sorted(m for m, ok in (ready.approvals if ready else {}).items() if not ok)
                missing = lagging if ready is not None else ["(no answer)"]
                if missing:
                    break
            if not missing:
                break
            if time.monotonic() > deadline:
                raise DeployError(f"chaincode {name} sequence {sequence} not approved by: {', '.join(missing)}")
            await asyncio.sleep(0.2)
        commit_args = lc.CommitChaincodeDefinitionArgs(name=name, version=version, sequence=sequence,
                                                       validation_parameter=vparam)
        await self.transact(self.peers[0], "CommitChaincodeDefinition", commit_args, [])
        self.progress(f"committed {name} sequence {sequence} on {self.channel}")
        await self.wait_defined(name, sequence)

    async def wait_defined(self, name: str, sequence: int) -> None:
        deadline = time.monotonic() + SETTLE_TIMEOUT
        for peer in self.peers:
            while True:
                defn = await self.call(peer, self.channel, "QueryChaincodeDefinition",
                                       lc.QueryChaincodeDefinitionArgs(name=name), lc.QueryChaincodeDefinitionResult)
                if defn is not None and defn.sequence >= sequence:
                    break
                if time.monotonic() > deadline:
                    raise DeployError(f"{peer.host} has not committed {name} sequence {sequence}")
                await asyncio.sleep(0.2)


def chaincode_process(layout: NetworkLayout, name: str, module: str) -> NodeProcess:
    """The chaincode server's process record; ``consortium down`` finds it again via
    :func:`supervisor.chaincode_servers` (same pid-file naming)."""
    host = supervisor.chaincode_host(name)
    return NodeProcess("chaincode", host, "", processes.python_argv(module), 0, 0,
                       paths.pid_file(layout.root, host), paths.log_file(layout.root, host))


def wait_listening(address: str, timeout: float) -> None:
    host, port = address.rsplit(":", 1)
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, int(port)), timeout=1):
                return
        except OSError as exc:
            if time.monotonic() > deadline:
                raise DeployError(f"chaincode server at {address} is not accepting connections") from exc
            time.sleep(0.2)


def start_server(layout: NetworkLayout, name: str, module: str, pkg_id: str, address: str,
                 progress: Progress) -> bool:
    """(Re)start the chaincode server unless it already runs this package; True when started."""
    proc = chaincode_process(layout, name, module)
    env_file = supervisor.chaincode_env_file(proc.pid_file)
    wanted = {"CHAINCODE_ID": pkg_id, "CHAINCODE_SERVER_ADDRESS": address}
    running = processes.running_pid(proc)
    if running is not None and env_file.is_file() and json.loads(env_file.read_text()) == wanted:
        wait_listening(address, 30)
        return False
    if running is not None:
        processes.stop(proc)
    # processes.start passes the current environment on; the package ID and address are added for the child.
    old_env = dict(os.environ)
    try:
        os.environ.update(wanted)
        processes.start(proc)
    finally:
        os.environ.clear()
        os.environ.update(old_env)
    env_file.write_text(json.dumps(wanted))
    supervisor.chaincode_record_file(proc.pid_file).write_text(json.dumps({"name": name, "module": module, **wanted}))
    wait_listening(address, 30)
    progress(f"chaincode server {name} ({pkg_id}) listening on {address}")
    return True


async def deploy_async(layout: NetworkLayout, name: str, version: str = "1.0", channel: str | None = None,
                       label: str | None = None, module: str = "chaincode", policy: str | None = None,
                       start: bool = True, progress: Progress = lambda _: None) -> DeployResult:
    channel = channel or layout.spec.channels[0].name
    address = f"127.0.0.1:{chaincode_port(layout, name)}"
    label = label or f"{name}_{version}"
    package = build_ccaas_package(label, {"address": address, "dial_timeout": "10s"})
    pkg_id = package_id(label, package)
    vparam = validation_parameter(policy)
    deployer = Deployer(layout, channel, progress)
    try:
        changed = await deployer.install(package, pkg_id)
        sequence, done = await deployer.choose_sequence(name, version, vparam, pkg_id)
        if not done:
            await deployer.approve_all(name, version, vparam, pkg_id, sequence)
            await deployer.commit(name, version, vparam, sequence)
            changed = True
    finally:
        await deployer.close()
    if start:
        changed = start_server(layout, name, module, pkg_id, address, progress) or changed
    return DeployResult(name, pkg_id, sequence, address, changed)


def deploy(layout: NetworkLayout, name: str, **kwargs: Any) -> DeployResult:
    return asyncio.run(deploy_async(layout, name, **kwargs))


def _handle(args: argparse.Namespace) -> int:
    layout = NetworkLayout(Path(args.netdir))
    result = deploy(layout, args.name, version=args.version, channel=args.channel, label=args.label,
                    module=args.module, policy=args.policy, start=not args.no_start,
                    progress=lambda m: print(m, file=sys.stderr))
    print(json.dumps({"name": result.name, "package_id": result.package_id, "sequence": result.sequence,
                      "address": result.address, "changed": result.changed}))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("deploy", help="package, install, approve, commit and start a chaincode (devnet)")
    p.add_argument("--netdir", required=True, help="generated network directory (devnet must be up)")
    p.add_argument("--name", default="assetregistry", help="chaincode name on the channel")
    p.add_argument("--version", default="1.0")
    p.add_argument("--channel", default=None, help="default: the spec's first channel")
    p.add_argument("--label", default=None, help="package label (default <name>_<version>)")
    p.add_argument("--module", default="chaincode", help="python module serving the chaincode (python -m ...)")
    p.add_argument("--policy", default=None, help="endorsement policy in Fabric's DSL (default: channel policy)")
    p.add_argument("--no-start", action="store_true", help="do not start the chaincode server")
    p.set_defaults(handler=_handle)

