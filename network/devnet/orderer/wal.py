"""Write-ahead log of accepted envelopes: what makes a Broadcast SUCCESS durable.

Fabric's etcdraft orderer acknowledges a Broadcast once the envelope is handed to consensus, and raft's
WAL plus replication keep it from being lost. A single devnet orderer has no replicas, so every accepted
envelope is fsynced here under a monotonically increasing index *before* SUCCESS is returned. Each block
records the index of its last envelope as ``raft_index`` in its etcdraft consenter metadata, so after a
crash the envelopes with an index above the last block's ``raft_index`` are exactly the ones to re-order.
"""

from __future__ import annotations

import struct
from pathlib import Path

from network.devnet.orderer.recordfile import RecordFile, replace_atomically

_INDEX = struct.Struct(">Q")


def encode_entry(index: int, envelope: bytes) -> bytes:
    return _INDEX.pack(index) + envelope


def decode_entry(record: bytes) -> tuple[int, bytes]:
    if len(record) < _INDEX.size:
        raise ValueError("WAL record shorter than its index")
    return _INDEX.unpack_from(record)[0], record[_INDEX.size :]


def unordered_entries(entries: list[tuple[int, bytes]], last_ordered: int) -> list[tuple[int, bytes]]:
    """Entries accepted but not yet in a block: index strictly above the last block's raft index."""
    return [(index, env) for index, env in entries if index > last_ordered]


class WriteAheadLog:
    def __init__(self, path: Path, last_ordered: int) -> None:
        """Open, keep only envelopes not yet in a block (compacting the file), and continue numbering."""
        self.path = path
        existing = RecordFile(path)
        entries = [decode_entry(record) for record in existing]
        existing.close()
        self.recovered = unordered_entries(entries, last_ordered)
        if len(self.recovered) != len(entries):
            replace_atomically(path, [encode_entry(i, e) for i, e in self.recovered])
        last_logged = entries[-1][0] if entries else 0
        self.next_index = max(last_ordered, last_logged) + 1
        self._file = RecordFile(path)

    def append(self, envelope: bytes) -> int:
        index = self.next_index
        self._file.append(encode_entry(index, envelope))
        self.next_index += 1
        return index

    def truncate(self) -> None:
        """Drop every entry; only call when all of them are in durable blocks."""
        self._file.close()
        replace_atomically(self.path, [])
        self._file = RecordFile(self.path)

    def __len__(self) -> int:
        return len(self._file)

    def close(self) -> None:
        self._file.close()
