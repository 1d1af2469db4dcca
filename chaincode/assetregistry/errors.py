"""Stable error codes of the asset registry.

Every refusal raises :class:`RegistryError`. Its ``str()`` is the wire format that reaches the client in
the endorsement ``Response.message`` (the contract API puts ``str(exception)`` there):

    {"code":"INSUFFICIENT_BALANCE","field":"amount","message":"..."}

- ``code``    one of :class:`ErrorCode` (stable; the gateway maps it to HTTP with ``ErrorCode.http_status``)
- ``field``   the offending argument/field name, or ``""`` when no single field is at fault
- ``message`` human-readable detail (not stable; do not parse)

JSON is canonical (sorted keys, compact separators) so every endorser produces byte-identical messages.
"""

from __future__ import annotations

import json
from enum import StrEnum


class ErrorCode(StrEnum):
    """Error codes with the HTTP status a REST layer should answer with."""

    INVALID_ARGUMENT = "INVALID_ARGUMENT"
    UNAUTHORIZED = "UNAUTHORIZED"
    NOT_FOUND = "NOT_FOUND"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    INSUFFICIENT_BALANCE = "INSUFFICIENT_BALANCE"
    INSUFFICIENT_ALLOWANCE = "INSUFFICIENT_ALLOWANCE"
    MAX_SUPPLY_EXCEEDED = "MAX_SUPPLY_EXCEEDED"
    KYC_REQUIRED = "KYC_REQUIRED"
    ACCOUNT_FROZEN = "ACCOUNT_FROZEN"
    CLASS_PAUSED = "CLASS_PAUSED"
    LOCKED_UP = "LOCKED_UP"
    ORG_NOT_ALLOWED = "ORG_NOT_ALLOWED"
    ATTESTATIONS_REQUIRED = "ATTESTATIONS_REQUIRED"
    INVALID_STATE = "INVALID_STATE"
    EXPIRED = "EXPIRED"
    NOT_EXPIRED = "NOT_EXPIRED"
    INTERNAL = "INTERNAL"

    @property
    def http_status(self) -> int:
        return _HTTP_STATUS[self]


_HTTP_STATUS: dict[ErrorCode, int] = {
    ErrorCode.INVALID_ARGUMENT: 400,
    ErrorCode.UNAUTHORIZED: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.ALREADY_EXISTS: 409,
    ErrorCode.INSUFFICIENT_BALANCE: 409,
    ErrorCode.INSUFFICIENT_ALLOWANCE: 409,
    ErrorCode.MAX_SUPPLY_EXCEEDED: 409,
    ErrorCode.KYC_REQUIRED: 403,
    ErrorCode.ACCOUNT_FROZEN: 423,
    ErrorCode.CLASS_PAUSED: 423,
    ErrorCode.LOCKED_UP: 423,
    ErrorCode.ORG_NOT_ALLOWED: 403,
    ErrorCode.ATTESTATIONS_REQUIRED: 409,
    ErrorCode.INVALID_STATE: 409,
    ErrorCode.EXPIRED: 410,
    ErrorCode.NOT_EXPIRED: 409,
    ErrorCode.INTERNAL: 500,
}


class RegistryError(Exception):
    """A refused operation. Raising it aborts the transaction; no write of it is kept."""

    def __init__(self, code: ErrorCode, message: str, field: str = "") -> None:
        self.code = code
        self.field = field
        self.detail = message
        super().__init__(self.to_json())

    def to_json(self) -> str:
        body = {"code": self.code.value, "field": self.field, "message": self.detail}
        return json.dumps(body, sort_keys=True, separators=(",", ":"))

    def __str__(self) -> str:
        return self.to_json()


def parse_error(message: str) -> RegistryError | None:
    """Inverse of ``str(RegistryError)``: for clients (gateway, tests) reading a Response.message."""
    try:
        body = json.loads(message)
        return RegistryError(ErrorCode(body["code"]), str(body.get("message", "")), str(body.get("field", "")))
    except (ValueError, KeyError, TypeError):
        return None


def invalid(field: str, message: str) -> RegistryError:
    return RegistryError(ErrorCode.INVALID_ARGUMENT, message, field)


def unauthorized(message: str, field: str = "") -> RegistryError:
    return RegistryError(ErrorCode.UNAUTHORIZED, message, field)


def not_found(field: str, message: str) -> RegistryError:
    return RegistryError(ErrorCode.NOT_FOUND, message, field)
