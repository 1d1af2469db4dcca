"""``connection.json`` of a chaincode-as-a-service package, parsed as the peer parses it.

The ccaas external builder copies ``connection.json`` from the package to
``RELEASE/chaincode/server/connection.json``; its presence makes the peer *dial* the chaincode instead of
launching it (``core/container/externalbuilder/instance.go`` ``ChaincodeServerInfo``,
``ChaincodeServerUserData``). Only ``address`` is required; ``dial_timeout`` is a Go duration string or a
number of nanoseconds and defaults to 3s. Quirk kept from Fabric: ``domain`` overrides the TLS server name
only when ``client_auth_required`` is true.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

DEFAULT_DIAL_TIMEOUT = 3.0
"""Seconds; ``externalbuilder.DialTimeout`` default when ``dial_timeout`` is absent."""

_GO_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_GO_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")


class ConnectionInfoError(ValueError):
    """connection.json is malformed; the message names the offending field."""


@dataclass(frozen=True)
class ConnectionInfo:
    """Where and how to dial a chaincode server."""

    address: str
    dial_timeout: float = DEFAULT_DIAL_TIMEOUT
    tls_required: bool = False
    client_auth_required: bool = False
    domain: str = ""
    client_key: bytes = b""
    client_cert: bytes = b""
    root_cert: bytes = b""

    @property
    def server_name_override(self) -> str:
        """TLS server name: ``domain`` only with client auth, as Fabric's ``ChaincodeServerInfo`` does."""
        return self.domain if self.client_auth_required else ""


def parse_go_duration(value: object, field: str = "dial_timeout") -> float:
    """A Go ``time.ParseDuration`` string ("10s", "1m30s") or integer nanoseconds -> seconds."""
    if isinstance(value, bool):
        raise ConnectionInfoError(f"{field}: expected a duration, got {value!r}")
    if isinstance(value, int | float):
        return float(value) / 1e9
    if not isinstance(value, str) or not value:
        raise ConnectionInfoError(f"{field}: expected a duration, got {value!r}")
    if value == "0":
        return 0.0
    total = 0.0
    pos = 0
    for match in _GO_DURATION_PART.finditer(value):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _GO_DURATION_UNITS[match.group(2)]
        pos = match.end()
    if pos != len(value):
        raise ConnectionInfoError(f"{field}: invalid duration {value!r}")
    return total


def _string_field(data: dict[str, object], field: str) -> str:
    value = data.get(field, "")
    if not isinstance(value, str):
        raise ConnectionInfoError(f"{field}: expected a string")
    return value


def _bool_field(data: dict[str, object], field: str) -> bool:
    value = data.get(field, False)
    if not isinstance(value, bool):
        raise ConnectionInfoError(f"{field}: expected a boolean")
    return value


def parse_connection_json(raw: bytes) -> ConnectionInfo:
    """Parse and check ``connection.json``; TLS fields are required exactly when Fabric requires them."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConnectionInfoError(f"connection.json: not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ConnectionInfoError("connection.json: expected a JSON object")
    address = _string_field(data, "address")
    if not address:
        raise ConnectionInfoError("address: chaincode address not provided")
    info = ConnectionInfo(
        address=address,
        dial_timeout=parse_go_duration(data["dial_timeout"]) if "dial_timeout" in data else DEFAULT_DIAL_TIMEOUT,
        tls_required=_bool_field(data, "tls_required"),
        client_auth_required=_bool_field(data, "client_auth_required"),
        domain=_string_field(data, "domain"),
        client_key=_string_field(data, "client_key").encode(),
        client_cert=_string_field(data, "client_cert").encode(),
        root_cert=_string_field(data, "root_cert").encode(),
    )
    if info.tls_required and not info.root_cert:
        raise ConnectionInfoError("root_cert: required when tls_required is true")
    if info.tls_required and info.client_auth_required and not (info.client_key and info.client_cert):
        raise ConnectionInfoError("client_key/client_cert: required when client_auth_required is true")
    return info
