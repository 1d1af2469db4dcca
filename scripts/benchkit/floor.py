"""The cost floor of one Fabric transaction on this machine: its gRPC exchanges and signatures, nothing else.

A devnet transaction (``benchcc put``, 3 orgs, MAJORITY, Org1's peer as gateway) cannot be cheaper than the
messages Fabric's protocol makes it send and the ECDSA operations its rules make every node do. This module
replays exactly that traffic between two processes speaking the same gRPC stacks with the same settings as
devnet (``network.devnet.node.grpcserver`` and ``grpcenv``: grpc.aio over TLS between nodes; grpclib in
plaintext on the chaincode stream, as ``network.devnet.chaincode.transport``), with handlers that do no work,
and measures the CPU both processes spend per transaction. The signatures are timed on their own. The sum is
a lower bound: the real traffic is spread over six processes (more event loops and
poller threads than two), block delivery, block signatures and the fsync'd commits are left out, and so is
every line of protocol logic. What a devnet transaction costs above it is what code can still win.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import socket
import struct
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import grpc
import grpclib.client
import grpclib.server
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from grpclib.const import Cardinality, Handler
from grpclib.encoding.base import CodecBase

from network.crypto import certs
from network.devnet.node.grpcenv import node_environment
from network.devnet.node.grpcserver import bind, client_channel, new_server, server_credentials

SERVICE = "benchfloor.Wire"
UNARY = f"/{SERVICE}/Call"
STREAM = f"/{SERVICE}/Chat"


@dataclass(frozen=True)
class Exchange:
    """One request and its answer: ``what`` in Fabric's terms, sizes in bytes.

    Measured on a ``benchcc put`` at 3 orgs: SignedProposal 1263, EndorseRequest 1346, envelope 4254,
    SubmitRequest 4337, one endorsement 893 (endorser identity and signature), response payload 180. The
    answers, the CommitStatus request and the chaincode messages are put together from those parts (e.g. a
    ProposalResponse is the payload, one endorsement and a status; TRANSACTION carries the SignedProposal and
    the input)."""

    what: str
    request: int
    response: int


UNARY_CALLS = (
    Exchange("Gateway.Endorse (client -> gateway peer)", 1346, 4300),
    Exchange("Endorser.ProcessProposal (gateway -> Org2 peer)", 1263, 1090),
    Exchange("Gateway.Submit (client -> gateway peer)", 4337, 2),
    Exchange("Gateway.CommitStatus (client -> gateway peer)", 1000, 4),
)
"""Unary calls per transaction, all over TLS."""

CHAINCODE_EXCHANGES = (
    Exchange("ChaincodeSupport TRANSACTION -> PUT_STATE", 1400, 90),
    Exchange("ChaincodeSupport RESPONSE -> COMPLETED", 40, 60),
) * 2
"""Chaincode stream messages per transaction (plaintext grpclib, CCaaS on loopback): two per endorsement and way."""

BROADCAST_EXCHANGES = (Exchange("AtomicBroadcast.Broadcast envelope -> status", 4254, 4),)
"""Broadcast stream messages per transaction (gateway peer -> orderer, TLS)."""

VERIFIES_PER_TX = 11
"""ECDSA verifications per transaction: the proposal at each endorsing peer (2), the CommitStatus request (1),
the envelope creator at the orderer (1), and at commit on each of the 3 peers the creator and both endorsements,
less each endorser's own endorsement (3 x 3 - 2)."""

SIGNS_PER_TX = 5
"""ECDSA signatures per transaction: the client's proposal, envelope and CommitStatus request, one per endorser."""

MESSAGE = b"\x5a" * 8192


def ask(size: int, request: int) -> bytes:
    """A request of ``request`` bytes whose first four say how large the answer must be."""
    return struct.pack(">I", size) + MESSAGE[: max(0, request - 4)]


def answer(request: bytes) -> bytes:
    (size,) = struct.unpack_from(">I", request)
    return MESSAGE[:size]


# -- server process --------------------------------------------------------------------------------------
async def _unary(request: bytes, _context: grpc.aio.ServicerContext) -> bytes:
    return answer(request)


async def _chat(requests: object, _context: grpc.aio.ServicerContext) -> object:
    async for request in requests:  # type: ignore[attr-defined]
        yield answer(request)


def _identity(data: bytes) -> bytes:
    return data


class RawCodec(CodecBase):
    """grpclib passes the bytes through, as the grpc.aio handlers' identity serialisers do."""

    __content_subtype__ = "proto"

    def encode(self, message: bytes, message_type: object) -> bytes:
        return message

    def decode(self, data: bytes, message_type: object) -> bytes:
        return data


class PlainChat:
    """The chaincode stream's echo on grpclib (what ``chaincode.shimfix.server`` serves on)."""

    async def chat(self, stream: grpclib.server.Stream[bytes, bytes]) -> None:
        async for request in stream:
            await stream.send_message(answer(request))

    def __mapping__(self) -> dict[str, Handler]:
        return {STREAM: Handler(self.chat, Cardinality.STREAM_STREAM, bytes, bytes)}


async def serve(cert: Path, key: Path) -> None:
    """Serve the echo service on a TLS (grpc.aio) and a plaintext (grpclib) loopback port; print both, wait."""
    server = new_server()
    handler = grpc.method_handlers_generic_handler(SERVICE, {
        "Call": grpc.unary_unary_rpc_method_handler(_unary, _identity, _identity),
        "Chat": grpc.stream_stream_rpc_method_handler(_chat, _identity, _identity),
    })  # fmt: skip
    server.add_generic_rpc_handlers((handler,))
    tls_port = bind(server, 0, server_credentials(cert, key))
    plain_sock = socket.create_server(("127.0.0.1", 0))
    plain = grpclib.server.Server([PlainChat()], codec=RawCodec())
    await plain.start(sock=plain_sock)
    plain_port = plain_sock.getsockname()[1]
    await server.start()
    print(f"ready {tls_port} {plain_port}", flush=True)
    await server.wait_for_termination()


# -- client side -----------------------------------------------------------------------------------------
def write_tls_material(folder: Path) -> tuple[Path, Path, Path]:
    """A TLS CA and a server certificate it issued for 127.0.0.1, made as devnet's TLS material is
    (``network.crypto.certs``): (CA certificate, server certificate, server key)."""
    ca = certs.new_ca("tlsca.floor.local", "floor.local")
    cert, key = certs.issue_leaf(ca, "floor.local", unit=None, tls=True, hosts=["floor.local", "127.0.0.1"])
    paths = folder / "ca.crt", folder / "server.crt", folder / "server.key"
    paths[0].write_bytes(ca.certificate.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(certs.private_key_pem(key))
    return paths


def start_server(folder: Path) -> tuple[subprocess.Popen[bytes], int, int]:
    """The echo server in its own process (its CPU is measured apart from the client's)."""
    _, cert, key = write_tls_material(folder)
    proc = subprocess.Popen([sys.executable, "-m", "scripts.benchkit.floor", str(cert), str(key)],
                            stdout=subprocess.PIPE, cwd=str(Path(__file__).resolve().parents[2]),
                            env=node_environment())  # the node processes' gRPC settings
    assert proc.stdout is not None
    line = proc.stdout.readline().decode().split()
    if len(line) != 3 or line[0] != "ready":
        proc.kill()
        raise RuntimeError(f"floor server did not start (said {line!r})")
    return proc, int(line[1]), int(line[2])


class SharedStream:
    """One grpclib stream that many transactions share, as a peer shares its one stream to a chaincode
    server; the echo answers in order, so answers are matched to requests first in, first out."""

    def __init__(self, plain: grpclib.client.Channel) -> None:
        self._plain = plain
        self._stream: grpclib.client.Stream[bytes, bytes] | None = None
        self._waiting: collections.deque[asyncio.Future[bytes | None]] = collections.deque()
        self._lock = asyncio.Lock()
        self._reader: asyncio.Task[None] | None = None

    async def exchange(self, step: Exchange) -> None:
        future: asyncio.Future[bytes | None] = asyncio.get_running_loop().create_future()
        async with self._lock:
            if self._stream is None:
                self._stream = self._plain.request(STREAM, Cardinality.STREAM_STREAM, bytes, bytes)
                await self._stream.__aenter__()
                await self._stream.send_request()
                self._reader = asyncio.create_task(self._read(self._stream))
            self._waiting.append(future)
            await self._stream.send_message(ask(step.response, step.request))
        if await future is None:
            raise RuntimeError(f"stream closed during {step.what}")

    async def _read(self, stream: grpclib.client.Stream[bytes, bytes]) -> None:
        while (message := await stream.recv_message()) is not None:
            self._waiting.popleft().set_result(message)
        while self._waiting:
            self._waiting.popleft().set_result(None)

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._stream is not None:
            await self._stream.cancel()


class Replayer:
    """One worker's share of the channels and streams; :meth:`transaction` sends one transaction's traffic."""

    def __init__(self, tls: grpc.aio.Channel, chaincode: tuple[SharedStream, SharedStream]) -> None:
        self._call = tls.unary_unary(UNARY)
        self._chaincode = chaincode
        self._broadcast = tls.stream_stream(STREAM)()

    async def _broadcast_exchange(self, step: Exchange) -> None:
        await self._broadcast.write(ask(step.response, step.request))
        if await self._broadcast.read() is grpc.aio.EOF:
            raise RuntimeError(f"stream closed during {step.what}")

    async def transaction(self) -> None:
        for step in UNARY_CALLS:
            await self._call(ask(step.response, step.request))
        for i, step in enumerate(CHAINCODE_EXCHANGES):  # the first endorsing peer's stream, then the second's
            await self._chaincode[i * 2 // len(CHAINCODE_EXCHANGES)].exchange(step)
        for step in BROADCAST_EXCHANGES:
            await self._broadcast_exchange(step)

    async def close(self) -> None:
        await self._broadcast.done_writing()
        self._broadcast.cancel()


def channels(ca_cert: Path, tls_port: int, plain_port: int) -> tuple[grpc.aio.Channel, grpclib.client.Channel]:
    tls = client_channel(f"127.0.0.1:{tls_port}", ca_cert.read_bytes(), "floor.local")
    return tls, grpclib.client.Channel("127.0.0.1", plain_port, codec=RawCodec())


def signature_ms_per_tx(rounds: int = 400) -> dict[str, float]:
    """CPU ms of one transaction's ECDSA work (P-256, SHA-256 of a 4 KB message, as the MSPs do)."""
    key = ec.generate_private_key(ec.SECP256R1())
    public, data, algorithm = key.public_key(), MESSAGE[:4096], ec.ECDSA(hashes.SHA256())
    signature = key.sign(data, algorithm)
    start = time.process_time()
    for _ in range(rounds):
        public.verify(signature, data, algorithm)
    verify = (time.process_time() - start) / rounds
    start = time.process_time()
    for _ in range(rounds):
        key.sign(data, algorithm)
    sign = (time.process_time() - start) / rounds
    return {"verify_us": round(1e6 * verify, 1), "sign_us": round(1e6 * sign, 1),
            "ms_per_tx": round(1000 * (VERIFIES_PER_TX * verify + SIGNS_PER_TX * sign), 3)}


def pattern() -> dict[str, object]:
    """The replayed traffic, for the result file."""
    def rows(steps: tuple[Exchange, ...]) -> list[dict[str, object]]:
        return [{"what": s.what, "request_bytes": s.request, "response_bytes": s.response} for s in steps]

    return {"unary_tls": rows(UNARY_CALLS), "chaincode_stream_plaintext": rows(CHAINCODE_EXCHANGES),
            "broadcast_stream_tls": rows(BROADCAST_EXCHANGES), "verifies": VERIFIES_PER_TX,
            "signs": SIGNS_PER_TX}


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m scripts.benchkit.floor CERT KEY")
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
    asyncio.run(serve(Path(sys.argv[1]), Path(sys.argv[2])))
