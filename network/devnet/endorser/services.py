"""Plugging D3's services into a devnet peer: ``add_services(server, node)`` (called by D2's peer main).

Builds the peer's lifecycle stores under ``<data_dir>/lifecycle/``, the chaincode runtime (chaincode servers
are dialled lazily, on first invoke, at the address in the installed package's ``connection.json``), the
Endorser and the Gateway service, and registers ``protos.Endorser`` and ``gateway.Gateway``.
"""

from __future__ import annotations

from typing import Any

import grpc
from fabric_protos.gateway import gateway_pb2_grpc
from fabric_protos.peer import peer_pb2_grpc, proposal_pb2, proposal_response_pb2

from network.devnet.chaincode.connection import ConnectionInfo, parse_connection_json
from network.devnet.chaincode.runtime import ChaincodeRuntime
from network.devnet.endorser.endorser import Endorser
from network.devnet.gatewaysvc.service import GatewayService
from network.devnet.lifecycle.scc import LifecycleSCC
from network.devnet.lifecycle.store import PackageStore, PrivateStore


class EndorserService(peer_pb2_grpc.EndorserServicer):
    """``protos.Endorser/ProcessProposal``: a Fabric peer returns either a response or a gRPC error."""

    def __init__(self, endorser: Endorser) -> None:
        self.endorser = endorser

    async def ProcessProposal(self, request: proposal_pb2.SignedProposal,  # noqa: N802 - gRPC method name
                              context: grpc.aio.ServicerContext) -> proposal_response_pb2.ProposalResponse:
        outcome = await self.endorser.process_proposal(request)
        if outcome.grpc_error is not None:
            await context.abort(grpc.StatusCode.UNKNOWN, outcome.grpc_error)
        return outcome.response


def build_endorser(node: Any) -> Endorser:
    root = node.data_dir / "lifecycle"
    packages = PackageStore(root / "chaincodes")
    lifecycle = LifecycleSCC(node.mspid, packages, PrivateStore(root / "private.json"))

    def connection_for(package_id: str) -> ConnectionInfo:
        pkg = packages.get(package_id)
        if pkg is None:
            raise KeyError(f"chaincode package {package_id} is not installed")
        return parse_connection_json(pkg.connection_json())

    runtime = ChaincodeRuntime(connection_for)
    return Endorser(node.mspid, node.identity, node.signer, node.channels.get, lambda: node.channels.values(),
                    lifecycle, runtime, local_msp=node.local_msp)


def add_services(server: grpc.aio.Server, node: Any) -> None:
    endorser = build_endorser(node)
    node.endorser = endorser
    peer_pb2_grpc.add_EndorserServicer_to_server(EndorserService(endorser), server)
    port = getattr(getattr(node, "peer_spec", None), "port", None)
    local_address = f"{node.host}:{port}" if port else str(getattr(node, "host", node.mspid))
    gateway = GatewayService(node.mspid, endorser, node.channels.get, node.peer_endpoints, node.orderer_endpoints,
                             local_address=local_address)
    gateway_pb2_grpc.add_GatewayServicer_to_server(gateway, server)
