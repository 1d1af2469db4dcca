"""Chaincode-as-a-service gRPC server (``protos.Chaincode/Connect``) using :class:`FixedHandler`.

Serves what the shim's ``fabric_shim/server.py`` serves (TLS from key/cert PEM, client-certificate
verification when a CA is given) on grpclib instead of ``grpc.aio``: the chaincode stream carries four or
more messages per endorsement, and grpclib's in-loop HTTP/2 framing costs about a third of ``grpc.aio``'s
CPU per stream message (``scripts/bench_chaincode_stream.py``). Peers see standard gRPC over HTTP/2 (h2 by
ALPN under TLS), so Fabric's Go peer, devnet and the shim's own clients dial it alike.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import tempfile
import time
from pathlib import Path
from typing import Any

from fabric_protos.peer import chaincode_shim_pb2 as shim
from grpclib.const import Cardinality, Handler
from grpclib.server import Server, Stream

from chaincode.shimfix.handler import FixedHandler

LOG = logging.getLogger("chaincode.server")
CONNECT_PATH = "/protos.Chaincode/Connect"


class StreamContext:
    """What the shim's handler uses of a ``grpc.aio`` servicer context (``write``, ``peer``), on a grpclib stream."""

    def __init__(self, stream: Stream[Any, Any]) -> None:
        self._stream = stream

    async def write(self, message: Any) -> None:
        await self._stream.send_message(message)

    def peer(self) -> str:
        address = self._stream.peer.addr()
        return f"{address[0]}:{address[1]}" if address else "?"


class ChaincodeService:
    """One :class:`FixedHandler` per peer stream; one process can serve every peer."""

    def __init__(self, chaincode_id: str, chaincode: Any) -> None:
        self.chaincode_id = chaincode_id
        self.chaincode = chaincode
        self.handlers: set[Any] = set()

    async def Connect(self, stream: Stream[Any, Any]) -> None:  # noqa: N802 (gRPC method name)
        context = StreamContext(stream)
        LOG.info("peer stream opened peer=%s", context.peer())
        handler = FixedHandler(self.chaincode_id, self.chaincode)
        self.handlers.add(handler)
        try:
            await handler.chat_with_peer(stream, context)
        finally:
            self.handlers.discard(handler)
        LOG.info("peer stream closed peer=%s", context.peer())

    def busy(self) -> bool:
        """Some transaction is still being executed for some peer."""
        return any(getattr(h, "_pending_tasks", None) for h in self.handlers)

    def __mapping__(self) -> dict[str, Handler]:
        return {CONNECT_PATH: Handler(self.Connect, Cardinality.STREAM_STREAM, shim.ChaincodeMessage,
                                      shim.ChaincodeMessage)}


class ChaincodeServer:
    """A bound (not yet serving) chaincode server: ``start``, ``stop(grace)``, ``wait_for_termination``."""

    def __init__(self, service: ChaincodeService, sock: socket.socket, tls: ssl.SSLContext | None) -> None:
        self.service = service
        self._sock = sock
        self._tls = tls
        self._server = Server([service])
        self.port: int = sock.getsockname()[1]

    async def start(self) -> None:
        await self._server.start(sock=self._sock, ssl=self._tls)

    async def stop(self, grace: float | None = None) -> None:
        """Stop accepting peers; let transactions in flight finish for up to ``grace`` seconds, as a peer
        waits for every COMPLETED it is owed; then end every stream."""
        listener = getattr(self._server, "_server", None)
        if listener is not None:
            listener.close()
        deadline = time.monotonic() + (grace or 0)
        while self.service.busy() and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        self._server.close()
        await self._server.wait_closed()

    async def wait_for_termination(self) -> None:
        await self._server.wait_closed()


def _read(value: str | bytes | None) -> bytes | None:
    if value is None or isinstance(value, bytes):
        return value
    return Path(value).read_bytes()


def server_ssl_context(key: bytes, cert: bytes, client_ca: bytes | None) -> ssl.SSLContext:
    """TLS 1.2+ with h2 by ALPN (gRPC clients require it); client certificates required when a CA is given."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols(["h2"])
    with tempfile.TemporaryDirectory() as folder:  # ssl loads key pairs from files only
        cert_file, key_file = Path(folder) / "cert.pem", Path(folder) / "key.pem"
        cert_file.write_bytes(cert)
        key_file.touch(mode=0o600)
        key_file.write_bytes(key)
        context.load_cert_chain(cert_file, key_file)
    if client_ca is not None:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(cadata=client_ca.decode())
    return context


def bind(address: str) -> socket.socket:
    """A listening socket on ``host:port`` (port 0 picks a free one); a bad address names the variable."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"CHAINCODE_SERVER_ADDRESS: expected host:port, got {address!r}")
    host = host.strip("[]") or "0.0.0.0"
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, int(port)))
    except OSError:
        sock.close()
        raise
    return sock


def build_server(chaincode: Any, chaincode_id: str, address: str, key: str | bytes | None = None,
                 cert: str | bytes | None = None, client_ca: str | bytes | None = None) -> tuple[ChaincodeServer, int]:
    """Create (not start) the server; returns it and the bound port. TLS only when both key and cert given."""
    if not chaincode_id:
        raise ValueError("CHAINCODE_ID must be set to the installed package ID")
    if not address:
        raise ValueError("CHAINCODE_SERVER_ADDRESS must be set (host:port)")
    tls = None
    if key and cert:
        key_pem, cert_pem = _read(key), _read(cert)
        assert key_pem is not None and cert_pem is not None
        tls = server_ssl_context(key_pem, cert_pem, _read(client_ca))
    server = ChaincodeServer(ChaincodeService(chaincode_id, chaincode), bind(address), tls)
    return server, server.port
