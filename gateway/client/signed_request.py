"""The two gateway requests that carry their own signature: ``SignedCommitStatusRequest`` and
``SignedChaincodeEventsRequest``.

Both are ``{request: bytes, signature: bytes}`` where the signature is over exactly ``request`` (the gateway
checks it as ``SignedData{data=request, identity=request.identity}``, ``internal/pkg/gateway/api.go``), so
building, signing lazily, signing offline and parsing are the same for both; only the message type differs.
"""

from __future__ import annotations

from typing import TypeVar

from fabric_protos.gateway import gateway_pb2
from google.protobuf.message import Message

from gateway.client.context import ClientContext
from gateway.client.fields import decode_bytes, require_nonempty
from gateway.client.identity import Signer
from gateway.client.signable import OfflineSignable

SignedRequest = TypeVar(
    "SignedRequest", gateway_pb2.SignedCommitStatusRequest, gateway_pb2.SignedChaincodeEventsRequest
)


def unsigned_request(message_type: type[SignedRequest], request: Message) -> SignedRequest:
    """The request with an empty signature: signed lazily by the client or offline over its ``digest``."""
    return message_type(request=request.SerializeToString())


def with_signature(unsigned: SignedRequest, signature: bytes) -> SignedRequest:
    """Attach a signature made (possibly elsewhere) over exactly ``unsigned.request``; neither may be empty."""
    return type(unsigned)(
        request=require_nonempty("request", unsigned.request), signature=require_nonempty("signature", signature)
    )


def sign_request(message_type: type[SignedRequest], request: Message, signer: Signer) -> SignedRequest:
    """Build and sign in one step with a message signer (it hashes itself)."""
    unsigned = unsigned_request(message_type, request)
    return with_signature(unsigned, signer(unsigned.request))


def parse_signed_request(message_type: type[SignedRequest], data: bytes, signature: bytes) -> SignedRequest:
    """Inverse of ``bytes`` of an unsigned request, with the offline signature attached."""
    return with_signature(decode_bytes(message_type, data), signature)


class OfflineSignableRequest(OfflineSignable[SignedRequest]):
    """Holds one of these requests; ``bytes``/``digest`` allow signing it offline (``gateway.new_signed_*``)."""

    def __init__(self, context: ClientContext, request: SignedRequest) -> None:
        super().__init__(context, request, request, request.request)

    def _with_signature(self, signature: bytes) -> SignedRequest:
        return with_signature(self._sendable, signature)

    def signed_request(self) -> SignedRequest:
        """The request as sent, signed by the configured signer unless it carries its own signature."""
        return self._signed()
