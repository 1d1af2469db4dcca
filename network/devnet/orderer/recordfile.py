"""An append-only file of checksummed records that survives ``kill -9`` at any instant.

Each record is ``u32 length || u32 crc32 || bytes``. A record is acknowledged only after ``fsync``; on open
the file is scanned and anything after the last intact record (a torn write) is cut off, so a reader never
sees a half-written record. This is the devnet stand-in for Fabric's block files
(``common/ledger/blkstorage/blockfile_mgr.go`` also truncates a partially written tail on recovery).
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

_HEADER = struct.Struct(">II")


class RecordFile:
    """Append-only records with their offsets kept in memory for random reads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        created = not path.exists()
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        if created:
            _fsync_dir(path.parent)
        self.offsets: list[int] = []
        self._end = self._recover()

    def _recover(self) -> int:
        """Index intact records; truncate a torn tail (and fsync the truncation)."""
        size = os.fstat(self._fd).st_size
        offset = 0
        while offset + _HEADER.size <= size:
            length, crc = _HEADER.unpack(os.pread(self._fd, _HEADER.size, offset))
            end = offset + _HEADER.size + length
            if end > size:
                break
            body = os.pread(self._fd, length, offset + _HEADER.size)
            if zlib.crc32(body) != crc:
                break
            self.offsets.append(offset)
            offset = end
        if offset != size:
            os.ftruncate(self._fd, offset)
            os.fsync(self._fd)
        return offset

    def __len__(self) -> int:
        return len(self.offsets)

    def append(self, body: bytes) -> int:
        """Durably append one record; returns its index. Nothing is visible before the fsync succeeds."""
        return self.append_many([body])

    def append_many(self, bodies: list[bytes], sync: bool = True) -> int:
        """Append records with ONE write and (``sync``) ONE fsync (group commit); returns the first index.

        ``sync=False`` stops at the ``write``: the bytes are in the kernel's page cache, which outlives a
        ``kill -9`` of this process but not a power loss. All or nothing: on a failed write or fsync the
        file is cut back to its previous end and no offset is published, so a failed group leaves the file
        as it was.
        """
        if not bodies:
            raise ValueError("bodies: at least one record is required")
        offsets: list[int] = []
        chunks: list[bytes] = []
        position = self._end
        for body in bodies:
            offsets.append(position)
            chunks.append(_HEADER.pack(len(body), zlib.crc32(body)))
            chunks.append(body)
            position += _HEADER.size + len(body)
        data = b"".join(chunks)
        try:
            written = os.pwrite(self._fd, data, self._end)
            if written != len(data):
                raise OSError(f"{self.path}: short write ({written} of {len(data)} bytes)")
            if sync:
                os.fsync(self._fd)
        except OSError:
            # Cut the unacknowledged bytes off so a later, shorter group cannot leave stale but intact
            # records behind it that a recovery scan would resurrect.
            os.ftruncate(self._fd, self._end)
            raise
        first = len(self.offsets)
        self.offsets.extend(offsets)
        self._end = position
        return first

    def read(self, index: int) -> bytes:
        if not 0 <= index < len(self.offsets):
            raise IndexError(f"{self.path}: no record {index} (have {len(self.offsets)})")
        offset = self.offsets[index]
        length, _ = _HEADER.unpack(os.pread(self._fd, _HEADER.size, offset))
        return os.pread(self._fd, length, offset + _HEADER.size)

    def __iter__(self) -> Iterator[bytes]:
        for index in range(len(self.offsets)):
            yield self.read(index)

    def close(self) -> None:
        os.close(self._fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_atomically(path: Path, records: list[bytes]) -> None:
    """Rewrite a record file with ``records`` via write-to-temp + rename, so a crash leaves old or new."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    if tmp.exists():
        tmp.unlink()
    rf = RecordFile(tmp)
    for body in records:
        rf.append(body)
    rf.close()
    os.replace(tmp, path)
    _fsync_dir(path.parent)
