"""Offline signing, the same for every request the client signs (proposal, transaction, commit status, events).

As in the official clients, each request object offers ``bytes`` (the serialized message to store or ship to a
remote signer) and ``digest`` (the hash of exactly the bytes Fabric verifies the signature over), and is sent
with its own signature when it carries one, else with one made by the configured signer. Only the messages
differ (``SignedProposal.proposal_bytes``, ``Envelope.payload``, ``Signed*Request.request``), so each request
names its three parts and how a signature is attached; the rule itself lives here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Concatenate, Generic, ParamSpec, Protocol, TypeVar

from google.protobuf.message import Message

from gateway.client.context import ClientContext
from gateway.client.identity import Identity, Signer


class CarriesSignature(Protocol):
    @property
    def signature(self) -> bytes: ...


Sendable = TypeVar("Sendable", bound=CarriesSignature)
P = ParamSpec("P")
Built = TypeVar("Built")
Signed = TypeVar("Signed")


class OfflineSignable(Generic[Sendable]):
    """``stored``: what ``bytes`` serializes; ``sendable``: the signed form as held (signature possibly empty);
    ``signed_bytes``: what the signature covers."""

    #: Names the request in the error raised when it must be signed but no signer is configured.
    signature_field = "request"

    def __init__(self, context: ClientContext, stored: Message, sendable: Sendable, signed_bytes: bytes) -> None:
        self._context = context
        self._stored = stored
        self._sendable = sendable
        self._signed_bytes = signed_bytes

    @property
    def bytes(self) -> bytes:
        """The serialized request (signature possibly empty), as in the official clients."""
        return self._stored.SerializeToString()

    @property
    def digest(self) -> bytes:
        """What a remote signer signs: the hash of the bytes Fabric verifies the signature over."""
        return self._context.hash(self._signed_bytes)

    def _with_signature(self, signature: bytes) -> Sendable:
        """The sendable form carrying ``signature`` over ``signed_bytes``."""
        raise NotImplementedError

    def _signed(self) -> Sendable:
        """The request as sent: its own signature if it has one, else one made by the configured signer."""
        if self._sendable.signature:
            return self._sendable
        return self._with_signature(self._context.sign(self._signed_bytes, self.signature_field))


def with_signer(
    build: Callable[Concatenate[Identity, P], Built], sign: Callable[[Built, Signer], Signed]
) -> Callable[Concatenate[Identity, Signer, P], Signed]:
    """The build-and-sign variant of an unsigned builder ``build(identity, ...)``: the same arguments with the
    signer after the identity, and ``sign`` applied to what ``build`` returns. Every ``build_signed_*`` /
    ``signed_*`` builder is made this way, so the signed and unsigned forms cannot drift apart."""

    def build_and_sign(identity: Identity, signer: Signer, /, *args: P.args, **kwargs: P.kwargs) -> Signed:
        return sign(build(identity, *args, **kwargs), signer)

    return build_and_sign
