"""Writing generated material safely: staged in a temporary directory, then moved into place by rename.

A crash or exception while generating leaves the target untouched (only a temp dir, which is removed on
the way out). Private keys are written 0600 from the first byte (``os.open`` with the mode), never chmod-ed
after the fact.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

KEY_MODE = 0o600
FILE_MODE = 0o644
DIR_MODE = 0o755


@dataclass
class FileSet:
    """Files to create, by path relative to some root, with their modes."""

    files: dict[Path, tuple[bytes, int]] = field(default_factory=dict)
    dirs: set[Path] = field(default_factory=set)

    def add(self, path: Path | str, data: bytes, mode: int = FILE_MODE) -> None:
        self.files[Path(path)] = (data, mode)

    def add_key(self, path: Path | str, data: bytes) -> None:
        self.add(path, data, KEY_MODE)

    def add_dir(self, path: Path | str) -> None:
        """An empty folder that must exist (cryptogen leaves e.g. ``admincerts/`` empty)."""
        self.dirs.add(Path(path))

    def write_under(self, root: Path) -> None:
        for rel in sorted(self.dirs):
            (root / rel).mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
        for rel, (data, mode) in sorted(self.files.items()):
            write_file(root / rel, data, mode)


def write_file(path: Path, data: bytes, mode: int = FILE_MODE) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(path, mode)  # the umask may have cleared bits of a public file's mode


def replace_file(path: Path, data: bytes, mode: int = FILE_MODE) -> None:
    """Atomically replace (or create) one file: write a sibling temp file, then rename over."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def staging_dir(beside: Path) -> Iterator[Path]:
    """A fresh temp dir on the same file system as ``beside`` (so renames are atomic); always removed."""
    beside.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{beside.name}.staging-", dir=beside.parent))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def move_into_place(staged: Path, target: Path) -> None:
    """Rename a staged file or directory to a target that must not exist yet (never overwrites material)."""
    if target.exists():
        raise FileExistsError(f"{target} already exists; refusing to overwrite it")
    target.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    os.rename(staged, target)


def swap_directory(staged: Path, target: Path) -> None:
    """Replace a whole directory (``--force``): old tree renamed aside, new renamed in, old removed."""
    if not target.exists():
        os.rename(staged, target)
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    aside.rmdir()
    os.rename(target, aside)
    try:
        os.rename(staged, target)
    except BaseException:
        os.rename(aside, target)
        raise
    shutil.rmtree(aside, ignore_errors=True)
