"""The peer's local lifecycle stores: installed packages and the cleartext of its own org's approvals.

Installed packages live in ``<data_dir>/lifecycle/chaincodes/<package id>.tar.gz`` like the peer's
``persistence.Store`` (written via a temp file + rename so an install never half-applies).

Approvals: the ledger keeps only hashes of an org's implicit-collection writes; the approving peer keeps
the cleartext (Fabric's private data store). Here the cleartext is stored by value hash, and a private key's
value is the stored cleartext whose hash equals the committed value hash - so only approvals whose
transaction actually committed are ever seen, with no commit hook needed.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path

from network.devnet.lifecycle.package import ChaincodePackage, parse_package


class PackageStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, package_id: str) -> Path:
        if "/" in package_id or package_id.startswith("."):
            raise ValueError(f"package_id: invalid package id {package_id!r}")
        return self.root / f"{package_id.replace(':', '.')}.tar.gz"

    def save(self, package_bytes: bytes) -> ChaincodePackage:
        pkg = parse_package(package_bytes)
        path = self._path(pkg.package_id)
        if not path.exists():
            tmp = path.with_suffix(".tmp")
            with open(tmp, "wb") as fh:
                fh.write(package_bytes)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        return pkg

    def get_id_for(self, package_bytes: bytes) -> str:
        return parse_package(package_bytes).package_id

    def has(self, package_id: str) -> bool:
        return self._path(package_id).is_file()

    def load(self, package_id: str) -> bytes | None:
        path = self._path(package_id)
        return path.read_bytes() if path.is_file() else None

    def get(self, package_id: str) -> ChaincodePackage | None:
        raw = self.load(package_id)
        return parse_package(raw) if raw is not None else None

    def list(self) -> list[ChaincodePackage]:
        return [parse_package(p.read_bytes()) for p in sorted(self.root.glob("*.tar.gz"))]


class PrivateStore:
    """Cleartext private values of the local org, addressable by their SHA-256."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._values: dict[str, str] = {}
        if path.is_file():
            self._values = json.loads(path.read_text())

    def put(self, value: bytes) -> None:
        digest = hashlib.sha256(value).hexdigest()
        with self._lock:
            if digest in self._values:
                return
            self._values[digest] = value.hex()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self._values))
            os.replace(tmp, self.path)

    def by_hash(self, value_hash: bytes) -> bytes | None:
        raw = self._values.get(value_hash.hex())
        return bytes.fromhex(raw) if raw is not None else None
