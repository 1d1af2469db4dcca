"""Chaincode install packages and package IDs (``core/chaincode/persistence/chaincode_package.go``).

A package is a gzip'd tar holding regular files ``metadata.json`` ({"type", "path", "label"}) and
``code.tar.gz``; other entries are ignored, non-regular entries are rejected. Package ID =
``label + ":" + hex(SHA-256(package bytes))``. For chaincode-as-a-service the type is "ccaas" and
``code.tar.gz`` holds ``connection.json`` (``ccaas_builder/cmd/detect``, ``build``).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import tarfile
from dataclasses import dataclass

LABEL_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")
METADATA_FILE = "metadata.json"
CODE_FILE = "code.tar.gz"


class PackageError(ValueError):
    """The package is malformed; the message names what is wrong."""


@dataclass(frozen=True)
class ChaincodePackage:
    label: str
    type: str
    path: str
    code: bytes
    package_id: str

    def connection_json(self) -> bytes:
        """``connection.json`` from the code archive (ccaas packages only)."""
        if self.type.lower() != "ccaas":
            raise PackageError(f"type: chaincode type {self.type!r} is not ccaas; only ccaas is supported")
        files = read_tar(self.code, "code.tar.gz")
        for name in ("connection.json", "./connection.json"):
            if name in files:
                return files[name]
        raise PackageError("code.tar.gz: connection.json not found")


def package_id(label: str, package_bytes: bytes) -> str:
    """``PackageID``."""
    return f"{label}:{hashlib.sha256(package_bytes).hexdigest()}"


def read_tar(data: bytes, what: str) -> dict[str, bytes]:
    """Regular files of a gzip'd tar; non-regular entries are an error (``ParseChaincodePackage``)."""
    try:
        with tarfile.open(fileobj=io.BytesIO(gzip.decompress(data)), mode="r:") as tar:
            files: dict[str, bytes] = {}
            for member in tar.getmembers():
                if member.isdir() and what != "package":
                    continue
                if not member.isreg():
                    raise PackageError(f"{what}: tar entry {member.name} is not a regular file, type "
                                       f"{member.type!r}")
                handle = tar.extractfile(member)
                files[member.name] = handle.read() if handle is not None else b""
            return files
    except (OSError, EOFError, tarfile.TarError) as exc:
        raise PackageError(f"{what}: could not read gzip'd tar: {exc}") from exc


def parse_package(data: bytes) -> ChaincodePackage:
    if not data:
        raise PackageError("chaincode_install_package: empty package")
    files = read_tar(data, "package")
    if METADATA_FILE not in files:
        raise PackageError("metadata.json: did not find any package metadata (missing metadata.json)")
    if CODE_FILE not in files:
        raise PackageError("code.tar.gz: missing from package")
    try:
        meta = json.loads(files[METADATA_FILE])
    except ValueError as exc:
        raise PackageError(f"metadata.json: could not unmarshal: {exc}") from exc
    if not isinstance(meta, dict):
        raise PackageError("metadata.json: expected a JSON object")
    label = meta.get("label", "")
    if not isinstance(label, str) or not LABEL_PATTERN.match(label):
        raise PackageError(f"label: invalid label {label!r}. Label must be non-empty, can only consist of "
                           f"alphanumerics, symbols from '.+-_', and can only begin with alphanumerics")
    return ChaincodePackage(label=label, type=str(meta.get("type", "")), path=str(meta.get("path", "")),
                            code=files[CODE_FILE], package_id=package_id(label, data))


def _tar_gz(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(content))
    return gzip.compress(buf.getvalue(), mtime=0)


def build_ccaas_package(label: str, connection: dict[str, object], metadata_extra: dict[str, object] | None = None,
                        ) -> bytes:
    """A ccaas package, byte-for-byte reproducible (so the package ID is stable across runs)."""
    if not LABEL_PATTERN.match(label):
        raise PackageError(f"label: invalid label {label!r}")
    code = _tar_gz({"connection.json": json.dumps(connection, sort_keys=True).encode(),
                    **({"metadata.json": json.dumps(metadata_extra).encode()} if metadata_extra else {})})
    meta = json.dumps({"type": "ccaas", "path": "", "label": label}).encode()
    return _tar_gz({METADATA_FILE: meta, CODE_FILE: code})
