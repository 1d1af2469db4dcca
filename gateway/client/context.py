"""What every high-level client object shares: the gRPC stub, who the client is, and how it signs.

Kept separate so ``Gateway``, ``Network``, ``Contract``, ``Proposal``, ``Transaction`` and ``Commit`` hold one
immutable value instead of back-references to each other. Switching between devnet and a real Fabric peer is
only a different ``grpc.Channel`` behind ``stub``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

import grpc
from fabric_protos.gateway import gateway_pb2_grpc
from fabric_protos.peer import events_pb2_grpc

from gateway.client.errors import InvalidArgumentError
from gateway.client.identity import Identity, Signer

Hash = Callable[[bytes], bytes]


def sha256(message: bytes) -> bytes:
    """Fabric's only hash for signatures (``SHA2`` family -> SHA-256, reference 1.6)."""
    return hashlib.sha256(message).digest()


@dataclass(frozen=True)
class CallTimeouts:
    """Per-RPC deadlines in seconds, defaults as in the official clients; ``None`` means no deadline."""

    evaluate: float | None = 5.0
    endorse: float | None = 15.0
    submit: float | None = 5.0
    commit_status: float | None = 60.0


@dataclass(frozen=True)
class ClientContext:
    stub: gateway_pb2_grpc.GatewayStub
    identity: Identity
    signer: Signer | None = None
    hash: Hash = sha256
    timeouts: CallTimeouts = field(default_factory=CallTimeouts)
    deliver: events_pb2_grpc.DeliverStub | None = None

    def creator(self) -> bytes:
        return self.identity.serialize()

    def sign(self, message: bytes, what: str) -> bytes:
        """Sign with the configured signer; without one the caller must sign ``digest`` offline."""
        if self.signer is None:
            raise InvalidArgumentError(
                f"{what}.signature", "no signer configured: sign the digest offline and use gateway.new_signed_*"
            )
        return self.signer(message)


def deadline(timeout: float | None, default: float | None) -> float | None:
    """A per-call ``timeout`` overrides the configured default for that RPC (``None``: use the default)."""
    return timeout if timeout is not None else default


def client_context(
    client: grpc.Channel | grpc.aio.Channel,
    identity: Identity,
    signer: Signer | None,
    hash: Hash,
    timeouts: CallTimeouts | None,
    with_deliver: bool,
) -> ClientContext:
    """The context ``connect``/``connect_async`` hand to every object; refuses anything but an ``Identity``."""
    if not isinstance(identity, Identity):
        raise InvalidArgumentError("identity", "must be a gateway.client.identity.Identity")
    return ClientContext(
        stub=gateway_pb2_grpc.GatewayStub(client),
        identity=identity,
        signer=signer,
        hash=hash,
        timeouts=timeouts or CallTimeouts(),
        deliver=events_pb2_grpc.DeliverStub(client) if with_deliver else None,
    )
