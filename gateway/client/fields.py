"""Validation of caller-supplied request fields; every failure names the field."""

from __future__ import annotations

from gateway.client.errors import InvalidArgumentError


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
