"""Write-ahead log of accepted envelopes: what lets a Broadcast SUCCESS outlive a ``kill -9``.

Fabric's etcdraft orderer acknowledges a Broadcast once the envelope is handed to the chain's run loop
(``orderer/consensus/etcdraft/chain.go`` ``Submit``/``Order``), before raft has persisted or replicated it:
SUCCESS means "accepted for ordering", not "durable". Devnet gives a little more: every accepted envelope is
written here under a monotonically increasing index *before* SUCCESS is returned, without an fsync. The
written bytes sit in the kernel's page cache, so they survive a ``kill -9`` of the orderer (what the crash
tests do); only a power loss can drop an acknowledged envelope that is not yet in a block, which Fabric
does not promise either. Blocks themselves are fsynced (:mod:`blockstore`) before anyone can Deliver them.
Each block records the index of its last envelope as ``raft_index`` in its etcdraft consenter metadata, so after a
crash the envelopes with an index above the last block's ``raft_index`` are exactly the ones to re-order.
"""

from __future__ import annotations

import struct
from pathlib import Path

from network.devnet.orderer.recordfile import RecordFile, replace_atomically

_INDEX = struct.Struct(">QB")
NORMAL = 0  # an envelope for the block cutter
CONFIG = 1  # a validated CONFIG envelope that becomes a block of its own


def encode_entry(index: int, envelope: bytes, kind: int = NORMAL) -> bytes:
    return _INDEX.pack(index, kind) + envelope


def decode_entry(record: bytes) -> tuple[int, bytes, int]:
    if len(record) < _INDEX.size:
        raise ValueError("WAL record shorter than its header")
    index, kind = _INDEX.unpack_from(record)
    return index, record[_INDEX.size :], kind


Entry = tuple[int, bytes, int]  # (index, envelope, kind)


def unordered_entries(entries: list[Entry], last_ordered: int) -> list[Entry]:
    """Entries accepted but not yet in a block: index strictly above the last block's raft index."""
    return [entry for entry in entries if entry[0] > last_ordered]


class WriteAheadLog:
    def __init__(self, path: Path, last_ordered: int) -> None:
        """Open, keep only envelopes not yet in a block (compacting the file), and continue numbering."""
        self.path = path
        existing = RecordFile(path)
        entries = [decode_entry(record) for record in existing]
        existing.close()
        self.recovered = unordered_entries(entries, last_ordered)
        if len(self.recovered) != len(entries):
            replace_atomically(path, [encode_entry(i, e, k) for i, e, k in self.recovered])
        last_logged = entries[-1][0] if entries else 0
        self.next_index = max(last_ordered, last_logged) + 1
        self._file = RecordFile(path)

    def append(self, envelope: bytes, kind: int = NORMAL) -> int:
        return self.append_group([envelope], kind)[0]

    def append_group(self, envelopes: list[bytes], kind: int = NORMAL) -> list[int]:
        """Log envelopes under consecutive indexes with one write (no fsync, see the module docstring). The
        indexes are consumed only if the write succeeds, so a failed group leaves no gap and no entry behind."""
        first = self.next_index
        indexes = list(range(first, first + len(envelopes)))
        self._file.append_many([encode_entry(i, e, kind) for i, e in zip(indexes, envelopes, strict=True)], sync=False)
        self.next_index = first + len(envelopes)
        return indexes

    def truncate(self) -> None:
        """Drop every entry; only call when all of them are in durable blocks."""
        self._file.close()
        replace_atomically(self.path, [])
        self._file = RecordFile(self.path)

    def __len__(self) -> int:
        return len(self._file)

    def close(self) -> None:
        self._file.close()
