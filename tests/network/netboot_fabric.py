"""Finding official Hyperledger Fabric binaries for the optional ``fabric`` tests (no Fabric behaviour mocked)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

FABRIC_RELEASES = (
    "https://github.com/hyperledger/fabric/releases (fabric_*_linux-amd64 tarball, unpack, set FABRIC_BIN)"
)


def find_fabric_binary(name: str) -> Path | None:
    """An official Fabric binary from ``$FABRIC_BIN/bin``, ``$FABRIC_BIN`` or ``PATH``."""
    fabric_bin = os.environ.get("FABRIC_BIN")
    if fabric_bin:
        for folder in (Path(fabric_bin) / "bin", Path(fabric_bin)):
            candidate = folder / name
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return candidate
    found = shutil.which(name)
    return Path(found) if found else None
