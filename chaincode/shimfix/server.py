"""Chaincode-as-a-service gRPC server (``protos.Chaincode/Connect``) using :class:`FixedHandler`.

Mirrors the shim's ``fabric_shim/server.py`` (TLS from key/cert PEM, client-certificate verification when
a CA is given) but lets the caller choose the handler and learn the bound port (tests bind port 0).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import grpc
from fabric_protos.peer import chaincode_shim_pb2_grpc as shim_grpc

from chaincode.shimfix.handler import FixedHandler

LOG = logging.getLogger("chaincode.server")


class ChaincodeService(shim_grpc.ChaincodeServicer):
    """One :class:`FixedHandler` per peer stream; one process can serve every peer."""

    def __init__(self, chaincode_id: str, chaincode: Any) -> None:
        self.chaincode_id = chaincode_id
        self.chaincode = chaincode

    async def Connect(self, request_iterator: Any, context: Any) -> None:  # noqa: N802 (gRPC method name)
        peer = context.peer() if hasattr(context, "peer") else "?"
        LOG.info("peer stream opened peer=%s", peer)
        handler = FixedHandler(self.chaincode_id, self.chaincode)
        await handler.chat_with_peer(request_iterator, context)
        LOG.info("peer stream closed peer=%s", peer)


def _read(value: str | bytes | None) -> bytes | None:
    if value is None or isinstance(value, bytes):
        return value
    return Path(value).read_bytes()


def build_server(chaincode: Any, chaincode_id: str, address: str, key: str | bytes | None = None,
                 cert: str | bytes | None = None, client_ca: str | bytes | None = None) -> tuple[grpc.aio.Server, int]:
    """Create (not start) the server; returns it and the bound port. TLS only when both key and cert given."""
    if not chaincode_id:
        raise ValueError("CHAINCODE_ID must be set to the installed package ID")
    if not address:
        raise ValueError("CHAINCODE_SERVER_ADDRESS must be set (host:port)")
    server = grpc.aio.server()
    shim_grpc.add_ChaincodeServicer_to_server(ChaincodeService(chaincode_id, chaincode), server)
    if key and cert:
        ca = _read(client_ca)
        credentials = grpc.ssl_server_credentials([(_read(key), _read(cert))], ca, ca is not None)
        port = server.add_secure_port(address, credentials)
    else:
        port = server.add_insecure_port(address)
    return server, port
