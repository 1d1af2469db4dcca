"""The peer's end of ``protos.Chaincode/Connect``: one HTTP/2 gRPC stream to a chaincode server, on grpclib.

The chaincode stream is the busiest stream a peer has: every endorsement is at least four messages on it
(TRANSACTION, a state request, its RESPONSE, COMPLETED). ``grpc.aio`` spends about 65 µs of CPU per stream
message on each end (a completion-queue event handed from its poller thread to the event loop); grpclib's
HTTP/2 framing runs in the loop itself at about 22 µs (``scripts/bench_chaincode_stream.py`` measures both).
The wire is the same gRPC over HTTP/2, so any chaincode server - the Go, Node or Python shim - is dialled
exactly as Fabric's peer dials it (``core/chaincode/extcc/extcc_handler.go``): plaintext, or TLS with the
package's ``root_cert`` and, when ``client_auth_required``, the peer's client key pair.
"""

from __future__ import annotations

import asyncio
import ssl
import tempfile
import time
from pathlib import Path

from fabric_protos.peer import chaincode_shim_pb2
from grpclib.client import Channel, Stream
from grpclib.config import Configuration
from grpclib.const import Cardinality

from network.devnet.chaincode.connection import ConnectionInfo

Msg = chaincode_shim_pb2.ChaincodeMessage
CONNECT_PATH = "/protos.Chaincode/Connect"
RETRY_INTERVAL = 0.1
"""Seconds between dial attempts until ``dial_timeout``: gRPC's blocking dial keeps retrying as well."""


class DialTimeout(Exception):
    """No connection to the chaincode server within ``dial_timeout``."""


def split_address(address: str) -> tuple[str, int]:
    """``host:port`` or ``[v6]:port`` -> (host, port); a bad address names the field."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"address: expected host:port, got {address!r}")
    return host.strip("[]"), int(port)


def client_ssl_context(info: ConnectionInfo) -> ssl.SSLContext | None:
    """TLS as the peer's chaincode client does it: the package's root CA, HTTP/2 by ALPN, and the client
    certificate only when the server asks for client authentication."""
    if not info.tls_required:
        return None
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cadata=info.root_cert.decode())
    context.set_alpn_protocols(["h2"])
    if info.client_auth_required:
        load_key_pair(context, info.client_cert, info.client_key)
    return context


def load_key_pair(context: ssl.SSLContext, cert_pem: bytes, key_pem: bytes) -> None:
    """``ssl`` loads key pairs from files only; they live in a private temporary folder for the call."""
    with tempfile.TemporaryDirectory() as folder:
        cert, key = Path(folder) / "cert.pem", Path(folder) / "key.pem"
        cert.write_bytes(cert_pem)
        key.touch(mode=0o600)
        key.write_bytes(key_pem)
        context.load_cert_chain(cert, key)


class ChaincodeCall:
    """An open Connect stream: ``read`` (None at end of stream), ``write``, ``abort``.

    One writer at a time (the caller's single writer task), one reader; ``abort`` is synchronous so a
    broken stream can fail every waiting transaction without awaiting anything.
    """

    def __init__(self, channel: Channel, stream: Stream[Msg, Msg]) -> None:
        self._channel = channel
        self._stream = stream

    @classmethod
    async def open(cls, info: ConnectionInfo) -> ChaincodeCall:
        host, port = split_address(info.address)
        config = Configuration(ssl_target_name_override=info.server_name_override or None)
        channel = Channel(host, port, ssl=client_ssl_context(info), config=config)
        try:
            await dial(channel, info.dial_timeout)
            stream = channel.request(CONNECT_PATH, Cardinality.STREAM_STREAM, Msg, Msg)
            await stream.__aenter__()
            await stream.send_request()
        except BaseException:
            channel.close()
            raise
        return cls(channel, stream)

    async def read(self) -> Msg | None:
        return await self._stream.recv_message()

    async def write(self, message: Msg) -> None:
        await self._stream.send_message(message)

    def abort(self) -> None:
        """Drop the connection: pending reads and writes fail at once, the server sees the stream end."""
        self._channel.close()


async def dial(channel: Channel, timeout: float) -> None:
    """Connect, retrying refused attempts until ``timeout`` seconds (0 = one attempt without limit)."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        try:
            await asyncio.wait_for(channel.__connect__(), remaining if timeout else None)
            return
        except (OSError, TimeoutError) as exc:
            if isinstance(exc, ssl.SSLError) or not timeout:
                raise
            if deadline - time.monotonic() <= RETRY_INTERVAL:
                raise DialTimeout(f"dial timed out after {timeout:g}s: {exc or type(exc).__name__}") from exc
        await asyncio.sleep(RETRY_INTERVAL)
