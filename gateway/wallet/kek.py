"""Key-encryption keys: from a password (scrypt) or a key file (HKDF), never stored next to the wallet.

The wallet's data key (DEK) is random and is stored only wrapped under the KEK. A password is stretched
with scrypt (memory-hard; the password may be weak); a key file already holds >= 32 random bytes, so HKDF
is enough. The salt lives in the wallet file so the same password gives the same KEK only for that wallet.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

ENV_PASSWORD = "GATEWAY_WALLET_PASSWORD"
ENV_KEY_FILE = "GATEWAY_WALLET_KEY_FILE"
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1


@dataclass(frozen=True)
class KekSource:
    """Either a password or raw key material; ``kdf`` names how a KEK is derived from it."""

    kdf: str  # "scrypt" | "hkdf"
    material: bytes

    def derive(self, salt: bytes, n: int = SCRYPT_N) -> bytes:
        if self.kdf == "scrypt":
            return Scrypt(salt=salt, length=32, n=n, r=SCRYPT_R, p=SCRYPT_P).derive(self.material)
        if self.kdf == "hkdf":
            return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"gateway-wallet-kek").derive(
                self.material
            )
        raise ValueError(f"kdf: unknown {self.kdf!r}")


def password_source(password: str) -> KekSource:
    if len(password) < 12:
        raise ValueError("wallet password: must be at least 12 characters")
    return KekSource("scrypt", password.encode())


def key_file_source(path: Path) -> KekSource:
    """A key file holds 32+ raw bytes, or their base64 on one line."""
    raw = path.read_bytes()
    try:
        decoded = base64.b64decode(raw.strip(), validate=True)
        if len(decoded) >= 32:
            raw = decoded
    except ValueError:
        pass
    if len(raw) < 32:
        raise ValueError(f"wallet key file {path}: needs at least 32 bytes of key material")
    return KekSource("hkdf", raw)


def kek_from_environment(env: dict[str, str] | None = None) -> KekSource:
    """``GATEWAY_WALLET_KEY_FILE`` wins over ``GATEWAY_WALLET_PASSWORD``; one of them must be set."""
    env = dict(os.environ) if env is None else env
    if env.get(ENV_KEY_FILE):
        return key_file_source(Path(env[ENV_KEY_FILE]))
    if env.get(ENV_PASSWORD):
        return password_source(env[ENV_PASSWORD])
    raise ValueError(f"wallet KEK: set {ENV_KEY_FILE} or {ENV_PASSWORD}")


def new_key_file(path: Path) -> None:
    """Create a fresh base64 key file, 0600, refusing to overwrite an existing one."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, base64.b64encode(os.urandom(32)) + b"\n")
    finally:
        os.close(fd)
