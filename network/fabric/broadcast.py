"""Submitting an envelope to an orderer's ``AtomicBroadcast/Broadcast`` over TLS (either back end)."""

from __future__ import annotations

import grpc
from fabric_protos.common import common_pb2
from fabric_protos.orderer import ab_pb2, ab_pb2_grpc

from network.layout import NetworkLayout


class BroadcastError(RuntimeError):
    """The orderer answered Broadcast with a status other than SUCCESS."""

    def __init__(self, status: int, info: str) -> None:
        self.status = status
        self.info = info
        super().__init__(f"orderer rejected the envelope: {common_pb2.Status.Name(status)}: {info}")


def broadcast(layout: NetworkLayout, envelope: common_pb2.Envelope, timeout: float = 30.0) -> None:
    """Send one envelope to the first orderer node of the spec and require ``SUCCESS``."""
    org, node = layout.spec.orderer_nodes()[0]
    credentials = grpc.ssl_channel_credentials(root_certificates=layout.tlsca_cert(org.msp_id).read_bytes())
    with grpc.secure_channel(f"127.0.0.1:{node.port}", credentials) as channel:
        stub = ab_pb2_grpc.AtomicBroadcastStub(channel)
        responses = stub.Broadcast(iter([envelope]), timeout=timeout)
        response: ab_pb2.BroadcastResponse = next(iter(responses))
    if response.status != common_pb2.SUCCESS:
        raise BroadcastError(response.status, response.info)
