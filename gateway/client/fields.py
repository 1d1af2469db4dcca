"""Validation of caller-supplied request fields; every failure names the field."""

from __future__ import annotations

from typing import TypeVar

from google.protobuf.message import DecodeError, Message

from gateway.client.errors import InvalidArgumentError

M = TypeVar("M", bound=Message)


def require_name(field: str, value: object) -> str:
    """Channel and chaincode names must be non-empty strings (peer ``UnpackProposal``: empty name rejected)."""
    if not isinstance(value, str) or not value:
        raise InvalidArgumentError(field, "must be a non-empty string")
    return value


def as_bytes(field: str, value: object) -> bytes:
    """Chaincode arguments and transient values are bytes; ``str`` is accepted and UTF-8 encoded."""
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    raise InvalidArgumentError(field, f"must be bytes or str, not {type(value).__name__}")


def require_nonempty(field: str, value: bytes) -> bytes:
    """Signed request parts (message bytes, signature) must be present: Fabric verifies the signature over
    exactly those bytes, so an empty one can only be a caller mistake."""
    if not value:
        raise InvalidArgumentError(field, "must not be empty")
    return value


def decode_bytes(message_type: type[M], data: bytes, field: str = "bytes") -> M:
    """Decode the ``bytes`` of an offline-signed request back into its message; garbage names the field."""
    try:
        return message_type.FromString(data)
    except DecodeError as error:
        name = message_type.DESCRIPTOR.name
        article = "an" if name[:1] in "AEIOU" else "a"
        raise InvalidArgumentError(field, f"not {article} {name}: {error}") from error
