"""The two gateway requests that carry their own signature: ``SignedCommitStatusRequest`` and
``SignedChaincodeEventsRequest``.

Both are ``{request: bytes, signature: bytes}`` where the signature is over exactly ``request`` (the gateway
checks it as ``SignedData{data=request, identity=request.identity}``, ``internal/pkg/gateway/api.go``), so
building, signing lazily, signing offline and parsing are the same for both; only the message type differs.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from fabric_protos.gateway import gateway_pb2
from google.protobuf.message import Message

from gateway.client.context import ClientContext
from gateway.client.fields import decode_bytes, require_nonempty
from gateway.client.identity import Signer

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


class OfflineSignableRequest(Generic[SignedRequest]):
    """Holds one of these requests; ``bytes``/``digest`` allow signing it offline (``gateway.new_signed_*``)."""

    #: Names the request in the error raised when it must be signed but no signer is configured.
    signature_field = "request"

    def __init__(self, context: ClientContext, request: SignedRequest) -> None:
        self._context = context
        self._request = request

    @property
    def bytes(self) -> bytes:
        """The serialized signed request (signature possibly empty), as in the official clients."""
        return self._request.SerializeToString()

    @property
    def digest(self) -> bytes:
        return self._context.hash(self._request.request)

    def signed_request(self) -> SignedRequest:
        """The request as sent: its own signature if it has one, else one made by the configured signer."""
        if self._request.signature:
            return self._request
        return with_signature(self._request, self._context.sign(self._request.request, self.signature_field))
