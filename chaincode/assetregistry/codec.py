"""Canonical encodings shared by every rule module.

Why: all endorsers must produce byte-identical write sets (Fabric compares the endorsements'
``ProposalResponsePayload`` bytes), so everything written to state is canonical JSON, amounts are Python
ints carried as decimal strings (no floats anywhere: JSON numbers would be read as floats by many clients),
and times come from the proposal's timestamp, never the wall clock.
"""

from __future__ import annotations

import json
import re
from typing import Any

from chaincode.assetregistry.errors import invalid

MAX_AMOUNT_DIGITS = 78  # < 2**256; bounds the work of parsing hostile input
_AMOUNT_RE = re.compile(r"0|[1-9][0-9]*")
_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}")
_MSP_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_HASH_RE = re.compile(r"(sha256:)?[0-9a-f]{64}")


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, compact separators, no NaN/float surprises."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_bytes(value: Any) -> bytes:
    return canonical_json(value).encode("utf-8")


def parse_amount(field: str, text: Any, *, positive: bool = True) -> int:
    """A decimal-string integer amount in smallest units. Floats, signs, exponents, leading zeros refused."""
    if isinstance(text, bool) or not isinstance(text, str | int):
        raise invalid(field, f"{field} must be a decimal string of an integer")
    raw = str(text)
    if len(raw) > MAX_AMOUNT_DIGITS or not _AMOUNT_RE.fullmatch(raw):
        raise invalid(field, f"{field} must be a non-negative integer in decimal digits, got {raw[:40]!r}")
    value = int(raw)
    if positive and value == 0:
        raise invalid(field, f"{field} must be greater than zero")
    return value


def format_amount(value: int) -> str:
    return str(value)


def parse_int(field: str, text: Any, *, minimum: int = 0, maximum: int = 2**63 - 1) -> int:
    """Small integers (counts, decimals, unix-second times)."""
    if isinstance(text, bool):
        raise invalid(field, f"{field} must be an integer")
    if isinstance(text, int):
        value = text
    elif isinstance(text, str) and re.fullmatch(r"-?[0-9]{1,19}", text):
        value = int(text)
    else:
        raise invalid(field, f"{field} must be an integer")
    if not minimum <= value <= maximum:
        raise invalid(field, f"{field} must be between {minimum} and {maximum}")
    return value


def parse_id(field: str, text: Any) -> str:
    """Identifiers used inside composite keys: no U+0000 / U+10FFFF can slip in (Fabric composite-key rule)."""
    if not isinstance(text, str) or not _ID_RE.fullmatch(text):
        raise invalid(field, f"{field} must match {_ID_RE.pattern}")
    return text


def parse_msp_id(field: str, text: Any) -> str:
    if not isinstance(text, str) or not _MSP_RE.fullmatch(text):
        raise invalid(field, f"{field} must be an MSP ID matching {_MSP_RE.pattern}")
    return text


def parse_hash(field: str, text: Any) -> str:
    """Content hash of off-chain documents: lowercase hex SHA-256, optionally prefixed ``sha256:``."""
    if not isinstance(text, str) or not _HASH_RE.fullmatch(text):
        raise invalid(field, f"{field} must be a lowercase hex SHA-256 digest")
    return text if text.startswith("sha256:") else "sha256:" + text


def parse_json_object(field: str, text: Any) -> dict[str, Any]:
    """Parse a JSON-object argument, refusing floats anywhere inside it."""
    value: dict[str, Any] = _parse_json(field, text, dict, "a JSON object")
    return value


def parse_json_list(field: str, text: Any) -> list[Any]:
    """Parse a JSON-array argument, refusing floats anywhere inside it."""
    value: list[Any] = _parse_json(field, text, list, "a JSON array")
    return value


def _parse_json(field: str, text: Any, kind: type, noun: str) -> Any:
    """Amounts are decimal strings: a float would round differently on another peer and split endorsements."""
    if isinstance(text, kind):
        return text
    if not isinstance(text, str):
        raise invalid(field, f"{field} must be {noun}")
    try:
        value = json.loads(text, parse_float=_refuse_float, parse_constant=_refuse_float)
    except ValueError as exc:
        raise invalid(field, f"{field} is not valid JSON without floats: {exc}") from None
    if not isinstance(value, kind):
        raise invalid(field, f"{field} must be {noun}")
    return value


def _refuse_float(text: str) -> Any:
    raise ValueError(f"floating-point number {text!r} not allowed; use a decimal string")


def get_field(obj: dict[str, Any], name: str, prefix: str = "") -> Any:
    if name not in obj:
        raise invalid(prefix + name, f"missing required field {prefix + name}")
    return obj[name]
