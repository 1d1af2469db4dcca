"""``_lifecycle`` deployment of a CCaaS chaincode on official peers, driven through the ``peer`` CLI.

Order of the Fabric v2+ lifecycle (``core/chaincode/lifecycle``): every org's admin installs the package on
its peers and approves the definition for its org (the approval also links the org's peers to the package
ID); once a majority of orgs approved (``LifecycleEndorsement``, default ``MAJORITY Endorsement``) one admin
commits, with endorsements from the approving orgs' peers. We approve for *every* org of the channel and
collect commit endorsements from all of them, so any org's peers can endorse afterwards.
Re-running is safe: installs that exist, approvals already recorded and a committed identical definition are
skipped; a different ``version`` becomes the next sequence (so a new endorsement policy needs a new version).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from network.fabric.binaries import require_binaries
from network.fabric.ccaas import build_package, record_server, start_server
from network.fabric.discovery import wait_endorsable
from network.fabric.nodes import fabric_root
from network.fabric.peer_cli import PeerBin, PeerCommandError, admin_env, run_peer
from network.layout import NetworkLayout

Progress = Callable[[str], None]
DEFAULT_CHAINCODE = "assetregistry"


def _quiet(_: str) -> None:
    pass


@dataclass(frozen=True)
class Deployment:
    name: str
    version: str
    sequence: int
    package_id: str
    address: str
    policy: str | None = None

    def policy_args(self) -> list[str]:
        return ["--signature-policy", self.policy] if self.policy else []


def orderer_args(layout: NetworkLayout) -> list[str]:
    org, node = layout.spec.orderer_nodes()[0]
    return ["-o", f"127.0.0.1:{node.port}", "--tls", "--cafile", str(layout.tlsca_cert(org.msp_id))]


def chaincode_port(layout: NetworkLayout, name: str) -> int:
    """A stable port per chaincode name from ``chaincode_base_port`` upward, recorded in ``fabric/ports.json``."""
    record = fabric_root(layout.root) / "chaincode-ports.json"
    ports: dict[str, int] = json.loads(record.read_text()) if record.is_file() else {}
    if name not in ports:
        base = layout.spec.chaincode_base_port or 9999
        ports[name] = base + len(ports)
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text(json.dumps(ports, indent=2, sort_keys=True))
    return ports[name]


def channel_peers(layout: NetworkLayout, channel: str) -> list[tuple[str, str]]:
    """(MSP ID, peer name) of every peer of every member org of the channel."""
    orgs = layout.spec.channel(channel).orgs
    return [(org.msp_id, peer.name) for org, peer in layout.spec.peers() if org.msp_id in orgs]


def peer_command(layout: NetworkLayout) -> PeerBin:
    """The ``peer`` CLI for this network: inside a peer container when it runs under docker compose (so no
    host binaries are needed), else the host binary (``FABRIC_BIN`` or PATH)."""
    from network.fabric import compose_run

    if compose_run.runs_in_compose(layout.root):
        return compose_run.admin_peer(layout)
    return require_binaries(("peer",))["peer"]


def query_committed(peer_bin: PeerBin, layout: NetworkLayout, org: str, peer: str, channel: str, name: str) -> Any:
    args = ["lifecycle", "chaincode", "querycommitted", "-C", channel, "-n", name, "-O", "json"]
    try:
        return json.loads(run_peer(peer_bin, args, admin_env(layout, org, peer)))
    except PeerCommandError as exc:
        if "404" in str(exc) or "not found" in str(exc):
            return None
        raise


def install(peer_bin: PeerBin, layout: NetworkLayout, org: str, peer: str, package: Path) -> None:
    try:
        run_peer(peer_bin, ["lifecycle", "chaincode", "install", str(package)], admin_env(layout, org, peer))
    except PeerCommandError as exc:
        if "already successfully installed" not in str(exc):
            raise


def approved_package(
    peer_bin: PeerBin, layout: NetworkLayout, org: str, peer: str, channel: str, name: str, sequence: int
) -> str | None:
    """The package ID the org approved for ``name`` at ``sequence``, or None if it has not approved."""
    args = ["lifecycle", "chaincode", "queryapproved", "-C", channel, "-n", name, "--sequence", str(sequence)]
    try:
        out = json.loads(run_peer(peer_bin, [*args, "-O", "json"], admin_env(layout, org, peer)))
    except PeerCommandError:
        return None
    source = out.get("source", {}).get("Type", {}).get("LocalPackage", {})
    return str(source.get("package_id", "")) or None


def approve(peer_bin: PeerBin, layout: NetworkLayout, org: str, peer: str, channel: str, d: Deployment) -> None:
    args = ["lifecycle", "chaincode", "approveformyorg", *orderer_args(layout), "-C", channel, "-n", d.name,
            "-v", d.version, "--package-id", d.package_id, "--sequence", str(d.sequence), *d.policy_args(),
            "--waitForEvent"]  # fmt: skip
    run_peer(peer_bin, args, admin_env(layout, org, peer))


def commit(peer_bin: PeerBin, layout: NetworkLayout, channel: str, d: Deployment) -> None:
    """Commit with one endorsing peer per org (the first peer of each channel org)."""
    targets: list[str] = []
    seen: set[str] = set()
    for org, _peer in channel_peers(layout, channel):
        if org in seen:
            continue
        seen.add(org)
        spec_org = layout.spec.member_org(org)
        targets += ["--peerAddresses", f"127.0.0.1:{spec_org.peers[0].port}",
                    "--tlsRootCertFiles", str(layout.tlsca_cert(org))]  # fmt: skip
    org0, peer0 = channel_peers(layout, channel)[0]
    args = ["lifecycle", "chaincode", "commit", *orderer_args(layout), "-C", channel, "-n", d.name,
            "-v", d.version, "--sequence", str(d.sequence), *d.policy_args(), *targets, "--waitForEvent"]  # fmt: skip
    run_peer(peer_bin, args, admin_env(layout, org0, peer0))


def deploy(
    netdir: Path,
    channel: str | None = None,
    name: str = DEFAULT_CHAINCODE,
    version: str = "1.0",
    progress: Progress = _quiet,
    *,
    label: str | None = None,
    module: str = "chaincode",
    policy: str | None = None,
    start: bool = True,
    timeout: float = 120.0,
    peer_bin: PeerBin | None = None,
) -> Deployment:
    """Package, serve, install, approve (every org) and commit ``name`` on ``channel`` (default: the first)."""
    layout = NetworkLayout(Path(netdir))
    peer_bin = peer_bin if peer_bin is not None else peer_command(layout)
    channel = channel or layout.spec.channels[0].name
    layout.spec.channel(channel)  # KeyError naming the channel if unknown
    port = chaincode_port(layout, name)
    address = f"127.0.0.1:{port}"
    package = build_package(label or f"{name}_{version}", address)
    package_file = fabric_root(layout.root) / "chaincode" / f"{name}_{version}.tar.gz"
    package_file.parent.mkdir(parents=True, exist_ok=True)
    package_file.write_bytes(package.data)
    if start:
        pid = start_server(layout, name, package.package_id, port, module)
        record_server(layout, name, package.package_id, port, module)
        progress(f"chaincode server {name}: pid {pid}, listening on {address}")
    peers = channel_peers(layout, channel)
    committed = query_committed(peer_bin, layout, *peers[0], channel, name)
    if committed and committed.get("version") == version:
        sequence = int(committed["sequence"])
    else:
        sequence = int(committed["sequence"]) + 1 if committed else 1
    d = Deployment(name, version, sequence, package.package_id, address, policy)
    for org, peer in peers:
        install(peer_bin, layout, org, peer, package_file)
        progress(f"{peer}.{org}: installed {package.package_id}")
    approved_orgs: set[str] = set()
    for org, peer in peers:
        if org in approved_orgs:
            continue
        approved_orgs.add(org)
        if approved_package(peer_bin, layout, org, peer, channel, name, sequence) == package.package_id:
            continue
        approve(peer_bin, layout, org, peer, channel, d)
        progress(f"{org}: approved {name} v{version} sequence {sequence}")
    if not (committed and int(committed["sequence"]) == sequence):
        commit(peer_bin, layout, channel, d)
        progress(f"committed {name} v{version} sequence {sequence} on {channel}")
    wait_endorsable(layout, channel, name, sorted({org for org, _ in peers}), timeout)
    progress(f"{name}: every org's gateway can find endorsers")
    return d
