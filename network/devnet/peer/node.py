"""A devnet peer: identity, channels (bundle + ledger), block pullers, and the services on its gRPC port.

:class:`PeerNode` is the object D3's services receive through
``network.devnet.endorser.services.add_services(server, node)``; its attributes are the contract:
``mspid``, ``name``, ``host``, ``identity``, ``signer``, ``local_msp``, ``channels``, ``netdir``,
``layout``, ``data_dir``, ``peer_endpoints()``, ``orderer_endpoints()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import Any

from fabric_protos.common import common_pb2
from fabric_protos.peer import events_pb2_grpc

from gateway.client.identity import Identity, Signer, load_msp_identity
from network.devnet.deliver.puller import BlockPuller, Endpoint
from network.devnet.node import grpcserver, jsonlog, paths
from network.devnet.node.operations import HttpRequest, HttpResponse, OperationsServer
from network.devnet.peer.chaincodes import committed_chaincodes
from network.devnet.peer.channel import PeerChannel, default_bundle_factory, open_ledger
from network.devnet.peer.committer import commit_block, default_validator
from network.devnet.peer.deliver import PeerDeliver
from network.layout import NetworkLayout
from network.spec.models import MemberOrgSpec, PeerSpec

log = logging.getLogger("devnet.peer")


def find_peer(layout: NetworkLayout, org: str, peer: str) -> tuple[MemberOrgSpec, PeerSpec]:
    try:
        org_spec = layout.spec.member_org(org)
    except KeyError:
        known = ", ".join(o.msp_id for o in layout.spec.member_orgs)
        raise KeyError(f"--org: no member org {org!r} (known: {known})") from None
    for candidate in org_spec.peers:
        if peer in (candidate.name, f"{candidate.name}.{org_spec.domain}"):
            return org_spec, candidate
    known = ", ".join(p.name for p in org_spec.peers)
    raise KeyError(f"--peer: org {org_spec.msp_id} has no peer {peer!r} (known: {known})")


def load_local_msp(msp_dir: Path, mspid: str) -> Any:
    """The peer's local MSP (D1's X.509 MSP built from the MSP folder, as ``msp/configbuilder.go`` does);
    D3's ``_lifecycle`` uses it for the "local Admins" checks."""
    from network.configtx.msp import fabric_msp_config
    from network.devnet.msp import X509MSP

    return X509MSP.from_config(fabric_msp_config(msp_dir, mspid))


def all_peer_endpoints(layout: NetworkLayout) -> list[Endpoint]:
    """Every peer the spec names, with its org's TLS root cert."""
    return [
        Endpoint(org.msp_id, f"{peer.name}.{org.domain}", f"127.0.0.1:{peer.port}",
                 layout.tlsca_cert(org.msp_id).read_bytes())
        for org, peer in layout.spec.peers()
    ]


class PeerNode:
    def __init__(self, netdir: Path, org: str, peer: str, bundle_factory: Any = None, validator: Any = None) -> None:
        self.netdir = Path(netdir)
        self.layout = NetworkLayout(self.netdir)
        self._spec_stamp = -1
        self._all_peers: list[Endpoint] = []
        self.org_spec, self.peer_spec = find_peer(self.layout, org, peer)
        self.mspid = self.org_spec.msp_id
        self.name = self.peer_spec.name
        self.host = f"{self.name}.{self.org_spec.domain}"
        self.data_dir = paths.data_dir(self.netdir, self.host)
        self.msp_dir = self.layout.peer_msp_dir(self.mspid, self.name)
        self.tls = NetworkLayout.node_tls(self.layout.peer_dir(self.mspid, self.name))
        identity, signer = load_msp_identity(self.msp_dir, self.mspid)
        self.identity: Identity = identity
        self.signer: Signer = signer
        self.local_msp = load_local_msp(self.msp_dir, self.mspid)
        self.channels: dict[str, PeerChannel] = {}
        self.pullers: dict[str, BlockPuller] = {}
        self._bundle_factory = bundle_factory or default_bundle_factory()
        self._validate = validator or default_validator()
        self._tasks: list[asyncio.Task[None]] = []
        self.server: grpcserver.grpc.aio.Server | None = None
        self.port = 0
        self.operations = OperationsServer()
        self.operations.checks["grpc"] = lambda: None if self.server is not None else "gRPC server not started"
        self.operations.add_route("GET", "/devnet/status", self._status)
        self.operations_port = 0

    # --- contract for D3 -------------------------------------------------------------------------------
    def peer_endpoints(self, include_self: bool = False) -> list[Endpoint]:
        """Peers of the network (other peers unless ``include_self``), with their org's TLS root cert.

        A config update that adds an org (and its peers) rewrites the resolved spec while this peer runs. Fabric
        peers learn new members through discovery; devnet has no gossip, so the list is rebuilt when that file
        changes and reused otherwise (the gateway asks for it on every request)."""
        path = self.layout.resolved_spec_path()
        stamp = path.stat().st_mtime_ns if path.exists() else 0
        if stamp != self._spec_stamp:
            self._spec_stamp, self._all_peers = stamp, all_peer_endpoints(NetworkLayout(self.netdir))
        if include_self:
            return list(self._all_peers)
        return [ep for ep in self._all_peers if ep.host != self.host]

    def orderer_endpoints(self, channel_id: str | None = None) -> list[Endpoint]:
        """Orderer nodes (of the channel's orderer orgs when ``channel_id`` is given)."""
        allowed = None
        if channel_id is not None:
            allowed = set(self.layout.spec.channel(channel_id).orderer_orgs or [])
        endpoints = []
        for org, node in self.layout.spec.orderer_nodes():
            if allowed is not None and org.msp_id not in allowed:
                continue
            root = self.layout.tlsca_cert(org.msp_id).read_bytes()
            endpoints.append(Endpoint(org.msp_id, f"{node.name}.{org.domain}", f"127.0.0.1:{node.port}", root))
        return endpoints

    # --- lifecycle -------------------------------------------------------------------------------------
    def join_channels(self) -> None:
        """Open (or create from the genesis block) the ledger of every channel the peer's org is in."""
        for channel in self.layout.spec.channels:
            if self.mspid not in channel.orgs:
                continue
            genesis_path = self.layout.genesis_block(channel.name)
            if not genesis_path.is_file():
                raise FileNotFoundError(f"{genesis_path}: genesis block of channel {channel.name!r} is missing")
            genesis = common_pb2.Block.FromString(genesis_path.read_bytes())
            ledger = open_ledger(self.data_dir / "ledgers" / channel.name, genesis)
            self.channels[channel.name] = PeerChannel(channel.name, ledger, self._bundle_factory)
            jsonlog.event(log, "joined channel", channel=channel.name, height=ledger.height)

    async def _commit(self, channel: PeerChannel, block: common_pb2.Block) -> None:
        await commit_block(channel, block, self._validate)

    def _start_pullers(self) -> None:
        for channel_id, channel in self.channels.items():
            puller = BlockPuller(
                channel,
                self.orderer_endpoints(channel_id),
                self.identity.serialize(),
                self.signer,
                lambda block, ch=channel: self._commit(ch, block),
            )
            self.pullers[channel_id] = puller
            self._tasks.append(asyncio.create_task(puller.run(), name=f"puller:{channel_id}"))

    def _add_services(self, server: grpcserver.grpc.aio.Server) -> None:
        events_pb2_grpc.add_DeliverServicer_to_server(PeerDeliver(self.channels.get), server)
        try:
            from network.devnet.endorser.services import add_services
        except ImportError:
            jsonlog.event(log, "endorser services not available; serving Deliver only", logging.WARNING)
            return
        add_services(server, self)

    async def _status(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse.json(
            200,
            {
                "node": self.host,
                "kind": "peer",
                "mspid": self.mspid,
                "channels": {cid: self._channel_status(cid, ch) for cid, ch in self.channels.items()},
            },
        )

    def _channel_status(self, channel_id: str, channel: PeerChannel) -> dict[str, Any]:
        puller = self.pullers.get(channel_id)
        return {
            "height": channel.height,
            "orderer_connected": bool(puller and puller.connected),
            "chaincodes": committed_chaincodes(channel.ledger),
        }

    async def start(self) -> None:
        self.join_channels()
        server = grpcserver.new_server()
        self._add_services(server)
        self.port = grpcserver.bind(
            server, self.peer_spec.port or 0, grpcserver.server_credentials(self.tls.cert, self.tls.key)
        )
        await server.start()
        self.server = server
        self._start_pullers()
        self.operations_port = await self.operations.start(self.peer_spec.operations_port or 0)
        jsonlog.event(log, "peer started", host=self.host, port=self.port, operations_port=self.operations_port)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.server is not None:
            await self.server.stop(grace=1)
        await self.operations.stop()
        for channel in self.channels.values():
            channel.ledger.close()


async def serve(netdir: Path, org: str, peer: str) -> None:
    from network.devnet.node.lifecycle import run_until_signalled

    node = PeerNode(netdir, org, peer)
    await run_until_signalled(node.start, node.stop)
