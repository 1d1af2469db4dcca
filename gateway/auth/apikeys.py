"""API keys: random secrets shown once, stored only as salted HMAC-SHA-256 digests.

A key looks like ``gk_<key_id>.<secret>``. The key id selects one record, so verification costs one HMAC
and one constant-time comparison (``hmac.compare_digest``) - a slow password KDF is unnecessary because the
secret has 256 bits of entropy, and would make the gateway the bottleneck. The key file holds no secret
that lets anyone call the API; it is still written 0600 and replaced atomically.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gateway.auth.principal import AuthError, Principal, validate_roles

PREFIX = "gk_"


@dataclass(frozen=True)
class ApiKeyRecord:
    key_id: str
    org: str
    identities: frozenset[str]
    roles: frozenset[str]
    salt: bytes
    digest: bytes
    rate_per_second: float = 50.0
    burst: int = 100

    def principal(self) -> Principal:
        return Principal(self.key_id, self.org, self.identities, self.roles, self.rate_per_second, self.burst)

    def to_json(self) -> dict[str, object]:
        return {
            "key_id": self.key_id,
            "org": self.org,
            "identities": sorted(self.identities),
            "roles": sorted(self.roles),
            "salt": base64.b64encode(self.salt).decode(),
            "digest": base64.b64encode(self.digest).decode(),
            "rate_per_second": self.rate_per_second,
            "burst": self.burst,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ApiKeyRecord:
        return cls(
            key_id=str(data["key_id"]),
            org=str(data["org"]),
            identities=frozenset(str(x) for x in data["identities"]),
            roles=validate_roles([str(x) for x in data["roles"]]),
            salt=base64.b64decode(str(data["salt"])),
            digest=base64.b64decode(str(data["digest"])),
            rate_per_second=float(data.get("rate_per_second", 50.0)),
            burst=int(data.get("burst", 100)),
        )


def digest_secret(salt: bytes, secret: str) -> bytes:
    return hmac.new(salt, secret.encode(), hashlib.sha256).digest()


def new_api_key(
    org: str,
    identities: list[str],
    roles: list[str],
    rate_per_second: float = 50.0,
    burst: int = 100,
) -> tuple[str, ApiKeyRecord]:
    """Create a key; returns the plaintext (to show once) and the record to store."""
    if not org:
        raise ValueError("org: must not be empty")
    if not identities:
        raise ValueError("identities: at least one wallet identity is required")
    if rate_per_second <= 0 or burst < 1:
        raise ValueError("rate_per_second/burst: must be positive")
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    salt = os.urandom(16)
    record = ApiKeyRecord(
        key_id,
        org,
        frozenset(identities),
        validate_roles(roles),
        salt,
        digest_secret(salt, secret),
        rate_per_second,
        burst,
    )
    return f"{PREFIX}{key_id}.{secret}", record


class ApiKeyRegistry:
    """In-memory view of the key file; ``authenticate`` is safe to call from many threads.

    With a ``source`` file, a change to it (``python -m gateway add-api-key`` while serving) is picked up
    within ``RELOAD_SECONDS``; a file that fails to parse keeps the previous keys (never "no keys at all").
    """

    RELOAD_SECONDS = 1.0

    def __init__(self, records: list[ApiKeyRecord] | None = None, source: Path | None = None) -> None:
        self._lock = threading.Lock()
        self._records = {r.key_id: r for r in records or []}
        # key_id -> (the presented key that verified, its principal): a request with the same key skips the
        # HMAC (one constant-time comparison instead). Only keys that verified get in; emptied whenever the
        # records change, so a removed or replaced key is never accepted from here. Never logged.
        self._verified: dict[str, tuple[bytes, Principal]] = {}
        self._source = source
        self._stamp = self._file_stamp()
        self._checked = time.monotonic()

    def _file_stamp(self) -> int | None:
        try:
            return self._source.stat().st_mtime_ns if self._source else None
        except FileNotFoundError:
            return None

    def _maybe_reload(self) -> None:
        now = time.monotonic()
        with self._lock:
            if self._source is None or now - self._checked < self.RELOAD_SECONDS:
                return
            self._checked = now
        stamp = self._file_stamp()
        if stamp is None or stamp == self._stamp:
            return
        try:
            records = _parse_key_file(self._source)
        except (ValueError, KeyError, TypeError, OSError):
            return
        with self._lock:
            self._records = {r.key_id: r for r in records}
            self._verified.clear()
            self._stamp = stamp

    def add(self, record: ApiKeyRecord) -> None:
        with self._lock:
            self._records[record.key_id] = record
            self._verified.clear()

    def records(self) -> list[ApiKeyRecord]:
        with self._lock:
            return list(self._records.values())

    def authenticate(self, presented: str) -> Principal:
        self._maybe_reload()
        key_id, _, secret = presented.removeprefix(PREFIX).partition(".")
        if not presented.startswith(PREFIX) or not key_id or not secret:
            raise AuthError(401, "malformed API key")
        raw = presented.encode()
        with self._lock:
            record = self._records.get(key_id)
            verified = self._verified.get(key_id)
        if verified is not None and hmac.compare_digest(verified[0], raw):
            return verified[1]
        # Compare against a dummy digest when the id is unknown so both paths cost the same.
        salt = record.salt if record else b"\x00" * 16
        expected = record.digest if record else b"\x00" * 32
        if not hmac.compare_digest(digest_secret(salt, secret), expected) or record is None:
            raise AuthError(401, "invalid API key")
        principal = record.principal()
        with self._lock:
            if self._records.get(key_id) is record:  # not replaced meanwhile
                self._verified[key_id] = (raw, principal)
        return principal


def _parse_key_file(path: Path) -> list[ApiKeyRecord]:
    data = json.loads(path.read_text())
    return [ApiKeyRecord.from_json(item) for item in data.get("keys", [])]


def load_key_file(path: Path) -> ApiKeyRegistry:
    """Load (and keep watching) a key file; a missing file means no keys yet."""
    return ApiKeyRegistry(_parse_key_file(path) if path.exists() else [], source=path)


def save_key_file(path: Path, registry: ApiKeyRegistry) -> None:
    body = json.dumps({"keys": [r.to_json() for r in registry.records()]}, indent=2, sort_keys=True)
    write_private_file(path, body.encode())


def write_private_file(path: Path, data: bytes) -> None:
    """Write via a 0600 temp file and ``os.replace``: readers see the old or the new file, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
