"""Submitting an envelope to an orderer's ``AtomicBroadcast/Broadcast`` over TLS (either back end)."""

from __future__ import annotations

import time

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


def _send(root_cert: bytes, port: int, envelope: common_pb2.Envelope, timeout: float) -> ab_pb2.BroadcastResponse:
    credentials = grpc.ssl_channel_credentials(root_certificates=root_cert)
    with grpc.secure_channel(f"127.0.0.1:{port}", credentials) as channel:
        stub = ab_pb2_grpc.AtomicBroadcastStub(channel)
        response: ab_pb2.BroadcastResponse = next(iter(stub.Broadcast(iter([envelope]), timeout=timeout)))
        return response


def broadcast(layout: NetworkLayout, envelope: common_pb2.Envelope, timeout: float = 30.0) -> None:
    """Send one envelope and require ``SUCCESS``; an unreachable orderer (raft tolerates losing a minority)
    or one answering ``SERVICE_UNAVAILABLE`` (no raft leader yet) hands over to the next node of the spec."""
    last: Exception | None = None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:  # rounds over all nodes: a raft re-election takes a few ticks
        for org, node in layout.spec.orderer_nodes():
            try:
                response = _send(layout.tlsca_cert(org.msp_id).read_bytes(), node.port or 0, envelope, timeout)
            except grpc.RpcError as exc:
                last = exc
                continue
            if response.status == common_pb2.SERVICE_UNAVAILABLE:
                last = BroadcastError(response.status, response.info)
                continue
            if response.status != common_pb2.SUCCESS:
                raise BroadcastError(response.status, response.info)
            return
        time.sleep(0.5)
    raise RuntimeError(f"no orderer accepted the envelope within {timeout:.0f}s: {last}")
