"""Finding official Fabric binaries: ``$FABRIC_BIN/bin`` (an unpacked release tarball), ``$FABRIC_BIN``, then PATH.

The back end never downloads or builds Fabric: when something is missing the error names every missing
binary, where we looked, and how to get an official release.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

RELEASES_URL = "https://github.com/hyperledger/fabric/releases"
NODE_BINARIES: tuple[str, ...] = ("orderer", "peer")


class MissingBinariesError(RuntimeError):
    """Official Fabric binaries needed for an operation are not installed."""

    def __init__(self, missing: list[str], searched: list[str]) -> None:
        self.missing = missing
        self.searched = searched
        super().__init__(
            f"official Hyperledger Fabric binaries not found: {', '.join(missing)} "
            f"(looked in {'; '.join(searched)}). Download an official release (v2.5 or v3.x) from {RELEASES_URL} "
            "(hyperledger-fabric-linux-amd64-<version>.tar.gz), unpack it and set FABRIC_BIN to the unpacked "
            "folder (the one holding bin/peer and bin/orderer), or put its bin/ on PATH"
        )


def search_folders(env: Mapping[str, str]) -> list[Path]:
    """Where binaries are looked for, in order (FABRIC_BIN first so a release beats a stray PATH entry)."""
    folders: list[Path] = []
    fabric_bin = env.get("FABRIC_BIN")
    if fabric_bin:
        folders += [Path(fabric_bin) / "bin", Path(fabric_bin)]
    return folders


def _describe_search(env: Mapping[str, str]) -> list[str]:
    places = (
        [f"$FABRIC_BIN={env['FABRIC_BIN']} (bin/ and top level)"]
        if env.get("FABRIC_BIN")
        else ["$FABRIC_BIN (not set)"]
    )
    return [*places, "PATH"]


def find_binary(name: str, env: Mapping[str, str] | None = None) -> Path | None:
    """The executable ``name`` from FABRIC_BIN or PATH, or None."""
    env = os.environ if env is None else env
    for folder in search_folders(env):
        candidate = folder / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate.resolve()
    found = shutil.which(name, path=env.get("PATH", ""))
    return Path(found).resolve() if found else None


def require_binaries(names: Iterable[str] = NODE_BINARIES, env: Mapping[str, str] | None = None) -> dict[str, Path]:
    """Every binary in ``names`` or :class:`MissingBinariesError` naming all that are missing."""
    env = os.environ if env is None else env
    found = {name: find_binary(name, env) for name in names}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        raise MissingBinariesError(missing, _describe_search(env))
    return {name: path for name, path in found.items() if path is not None}


def config_folder(binary: Path) -> Path | None:
    """The release's ``config/`` folder next to ``bin/`` (holds Fabric's own sample core.yaml/orderer.yaml)."""
    candidate = binary.parent.parent / "config"
    return candidate if candidate.is_dir() else None


def binary_version(binary: Path) -> str:
    """``Version:`` line of ``<binary> version`` (e.g. ``v3.1.5``), or ``unknown``."""
    try:
        run = subprocess.run([str(binary), "version"], capture_output=True, text=True, timeout=20, check=False)
    except OSError:
        return "unknown"
    for line in run.stdout.splitlines():
        key, _, value = line.strip().partition(":")
        if key.strip() == "Version":
            return value.strip()
    return "unknown"
