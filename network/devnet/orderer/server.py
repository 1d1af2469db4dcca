"""Assembling an orderer node from a generated network directory.

The node reads its local MSP and TLS material through :class:`network.layout.NetworkLayout`, joins every
channel whose genesis block names its org among the orderer orgs, and serves ``orderer.AtomicBroadcast``
on its gRPC port plus the operations endpoint (``/healthz``) on its operations port.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fabric_protos.common import common_pb2
from fabric_protos.orderer import ab_pb2_grpc

from gateway.client.identity import load_msp_identity
from network.devnet.node import grpcserver, jsonlog, paths
from network.devnet.node.lifecycle import run_until_signalled
from network.devnet.node.operations import HttpRequest, HttpResponse, OperationsServer, mutual_tls_context
from network.devnet.orderer.blockwriter import OrdererSigner
from network.devnet.orderer.broadcast import AtomicBroadcast
from network.devnet.orderer.chain import OrdererChain
from network.devnet.orderer.participation import add_routes as add_participation_routes
from network.layout import NetworkLayout
from network.spec.models import OrdererNodeSpec, OrdererOrgSpec

log = logging.getLogger("devnet.orderer")


@dataclass(frozen=True)
class OrdererConfig:
    netdir: Path
    org: OrdererOrgSpec
    node: OrdererNodeSpec

    @property
    def host(self) -> str:
        return f"{self.node.name}.{self.org.domain}"

    @property
    def data_dir(self) -> Path:
        return paths.data_dir(self.netdir, self.host)


def find_orderer(layout: NetworkLayout, name: str) -> tuple[OrdererOrgSpec, OrdererNodeSpec]:
    for org, node in layout.spec.orderer_nodes():
        if name in (node.name, f"{node.name}.{org.domain}"):
            return org, node
    known = ", ".join(node.name for _, node in layout.spec.orderer_nodes())
    raise KeyError(f"--name: no orderer node {name!r} in {layout.resolved_spec_path()} (known: {known})")


def channel_genesis_blocks(layout: NetworkLayout, org: OrdererOrgSpec) -> dict[str, common_pb2.Block]:
    """Genesis blocks of the channels this orderer org serves (``channel-artifacts/<channel>.block``).

    The devnet orderer has no raft replication: with more than one consenter per channel every node would cut
    its own chain and peers would see forks, so such a network is refused instead of silently diverging.
    """
    blocks = {}
    for channel in layout.spec.channels:
        if org.msp_id not in (channel.orderer_orgs or []):
            continue
        consenters = [n.name for o, n in layout.spec.orderer_nodes() if o.msp_id in (channel.orderer_orgs or [])]
        if len(consenters) != 1:
            raise ValueError(
                f"channel {channel.name!r} has {len(consenters)} orderer nodes ({', '.join(consenters)}); "
                "the devnet orderer supports exactly one consenter per channel"
            )
        path = layout.genesis_block(channel.name)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: genesis block of channel {channel.name!r} is missing")
        blocks[channel.name] = common_pb2.Block.FromString(path.read_bytes())
    return blocks


def default_bundle_factory() -> Any:
    from network.devnet.channelconfig import bundle_from_config_block

    return bundle_from_config_block


class OrdererNode:
    def __init__(self, netdir: Path, name: str, bundle_factory: Any = None) -> None:
        self.layout = NetworkLayout(netdir)
        org, node = find_orderer(self.layout, name)
        self.config = OrdererConfig(netdir, org, node)
        identity, sign = load_msp_identity(self.layout.orderer_msp_dir(name), org.msp_id)
        self.signer = OrdererSigner(identity.serialize(), sign)
        self.bundle_factory = bundle_factory or default_bundle_factory()
        self.chains: dict[str, OrdererChain] = {}
        self.server: grpcserver.grpc.aio.Server | None = None
        self.operations = OperationsServer()
        self.operations.checks["grpc"] = lambda: None if self.server is not None else "gRPC server not started"
        self.operations.add_route("GET", "/devnet/status", self._status)
        self.admin = OperationsServer(operations_routes=False)
        add_participation_routes(self.admin, self.chains)
        self.port = 0
        self.operations_port = 0
        self.admin_port = 0

    async def _status(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse.json(
            200,
            {
                "node": self.config.host,
                "kind": "orderer",
                "mspid": self.config.org.msp_id,
                "channels": {cid: {"height": chain.height} for cid, chain in self.chains.items()},
            },
        )

    async def start(self) -> None:
        for channel_id, genesis in channel_genesis_blocks(self.layout, self.config.org).items():
            chain = OrdererChain(channel_id, self.config.data_dir, genesis, self.signer, self.bundle_factory)
            self.chains[channel_id] = chain
            await chain.recover()
            jsonlog.event(log, "joined channel", channel=channel_id, height=chain.height)
        tls = NetworkLayout.node_tls(self.layout.orderer_dir(self.config.node.name))
        server = grpcserver.new_server()
        ab_pb2_grpc.add_AtomicBroadcastServicer_to_server(AtomicBroadcast(self.chains), server)
        self.port = grpcserver.bind(
            server, self.config.node.port or 0, grpcserver.server_credentials(tls.cert, tls.key)
        )
        await server.start()
        self.server = server
        self.operations_port = await self.operations.start(self.config.node.operations_port or 0)
        admin_tls = mutual_tls_context(tls.cert, tls.key, [self.layout.tlsca_cert(self.config.org.msp_id)])
        self.admin_port = await self.admin.start(self.config.node.admin_port or 0, admin_tls)
        jsonlog.event(
            log, "orderer started", host=self.config.host, port=self.port, operations_port=self.operations_port
        )

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.stop(grace=1)
        await self.operations.stop()
        await self.admin.stop()
        for chain in self.chains.values():
            await chain.close()


async def serve(netdir: Path, name: str) -> None:
    node = OrdererNode(netdir, name)
    await run_until_signalled(node.start, node.stop)
