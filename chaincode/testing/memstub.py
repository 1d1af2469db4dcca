"""In-memory world state and chaincode stub with the Fabric semantics the chaincode relies on.

- Reads see committed state only, never the transaction's own writes (``rwset_builder.go``: the
  simulator records committed versions).
- Writes, deletes, key-level policies and the event are buffered and applied by :meth:`MemLedger.commit`
  only; a transaction that is not committed changes nothing.
- Range scans return keys in order over ``[start, end)``; an empty start becomes ``"\\x01"`` so composite
  keys stay out of plain scans (``emptyKeySubstitute`` in the Go shim).
- Commit validates like the committer (``validation/validator.go``): every read's version must still be
  current (MVCC_READ_CONFLICT) and every range must return the same keys/versions up to where it was read
  (PHANTOM_READ_CONFLICT). Versions are ``(block, tx)``.
- Metadata: a value write keeps the key's metadata, a delete removes it (``validation/tx_ops.go``).
- Only one event per transaction: the last ``set_event`` wins.
- Fabric-native pagination (``get_state_by_range_with_pagination``) returns a bookmark and makes the
  transaction read-only, as the peer does.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from fabric_protos.ledger.queryresult import kv_query_result_pb2
from google.protobuf import timestamp_pb2

from chaincode.assetregistry.keys import composite

VALIDATION_PARAMETER = "VALIDATION_PARAMETER"
Version = tuple[int, int]


class MvccConflict(Exception):
    """The transaction would be invalidated at commit (MVCC_READ_CONFLICT / PHANTOM_READ_CONFLICT)."""


@dataclass
class KV:
    key: str
    value: bytes


@dataclass
class _Entry:
    value: bytes
    version: Version
    metadata: dict[str, bytes] = field(default_factory=dict)


class MemLedger:
    """Committed world state, per-key history and a block counter."""

    def __init__(self) -> None:
        self.state: dict[str, _Entry] = {}
        self.sorted_keys: list[str] = []
        self.history: dict[str, list[kv_query_result_pb2.KeyModification]] = {}
        self.height = 1
        self.tx_in_block = 0
        self.events: list[tuple[str, str, bytes]] = []

    def get(self, key: str) -> _Entry | None:
        return self.state.get(key)

    def range(self, start: str, end: str) -> list[tuple[str, _Entry]]:
        lo = bisect.bisect_left(self.sorted_keys, start)
        hi = len(self.sorted_keys) if end == "" else bisect.bisect_left(self.sorted_keys, end)
        return [(k, self.state[k]) for k in self.sorted_keys[lo:hi]]

    def metadata(self, key: str) -> dict[str, bytes]:
        entry = self.state.get(key)
        return dict(entry.metadata) if entry else {}

    def validate(self, stub: MemStub) -> None:
        for key, version in stub.reads.items():
            entry = self.state.get(key)
            if (entry.version if entry else None) != version:
                raise MvccConflict(f"MVCC_READ_CONFLICT on {key!r}")
        for start, end, seen, exhausted in stub.ranges:
            stop = end if exhausted or not seen else seen[-1][0] + "\x00"
            current = [(k, e.version) for k, e in self.range(start, stop)]
            if current != seen:
                raise MvccConflict(f"PHANTOM_READ_CONFLICT in range {start!r}..{end!r}")

    def commit(self, stub: MemStub) -> None:
        """Validate then apply one transaction's writes at the next ``(block, tx)`` version; raises MvccConflict."""
        self.validate(stub)
        version = (self.height, self.tx_in_block)
        self.tx_in_block += 1
        ts = stub.get_tx_timestamp()
        for key in sorted(stub.writes):
            value = stub.writes[key]
            mod = kv_query_result_pb2.KeyModification(tx_id=stub.tx_id, is_delete=value is None)
            mod.timestamp.CopyFrom(ts)
            if value is None:
                if key in self.state:
                    del self.state[key]
                    self.sorted_keys.pop(bisect.bisect_left(self.sorted_keys, key))
            else:
                mod.value = value
                old = self.state.get(key)
                if old is None:
                    bisect.insort(self.sorted_keys, key)
                self.state[key] = _Entry(value, version, old.metadata if old else {})
            self.history.setdefault(key, []).append(mod)
        for key, entries in stub.metadata_writes.items():
            if key in self.state:  # a metadata-only write to an absent key is dropped
                self.state[key].metadata = dict(entries)
                self.state[key].version = version
        if stub.event is not None:
            self.events.append((stub.tx_id, stub.event[0], stub.event[1]))

    def next_block(self) -> None:
        self.height += 1
        self.tx_in_block = 0


class _Iterator:
    def __init__(self, items: list[Any]) -> None:
        self._items = list(items)
        self.closed = False
        self.metadata: dict[str, Any] = {}

    def __aiter__(self) -> _Iterator:
        return self

    async def __anext__(self) -> Any:
        if not self._items:
            raise StopAsyncIteration
        return self._items.pop(0)

    async def aclose(self) -> None:
        self.closed = True


class MemStub:
    """One transaction's simulator over a :class:`MemLedger`."""

    def __init__(self, ledger: MemLedger, tx_id: str, mspid: str, id_bytes: bytes, args: list[str],
                 timestamp: int, channel_id: str = "mychannel") -> None:
        self.ledger = ledger
        self.tx_id = tx_id
        self.channel_id = channel_id
        self.args = [a.encode() if isinstance(a, str) else a for a in args]
        self.creator = {"mspid": mspid, "idBytes": id_bytes}
        self.timestamp = timestamp_pb2.Timestamp(seconds=timestamp)
        self.reads: dict[str, Version | None] = {}
        self.ranges: list[tuple[str, str, list[tuple[str, Version]], bool]] = []
        self.writes: dict[str, bytes | None] = {}
        self.metadata_writes: dict[str, dict[str, bytes]] = {}
        self.event: tuple[str, bytes] | None = None
        self.paginated = False

    # identity / proposal
    def get_txid(self) -> str:
        return self.tx_id

    def get_channel_id(self) -> str:
        return self.channel_id

    def get_creator(self) -> dict[str, Any]:
        return self.creator

    def get_tx_timestamp(self) -> timestamp_pb2.Timestamp:
        return self.timestamp

    def get_function_and_parameters(self) -> tuple[str, list[str]]:
        decoded = [a.decode() for a in self.args]
        if not decoded:
            raise Exception("no function name provided in transaction payload")
        return decoded[0], decoded[1:]

    # state
    async def get_state(self, key: str) -> bytes:
        entry = self.ledger.get(key)
        self.reads.setdefault(key, entry.version if entry else None)
        return entry.value if entry else b""

    def _check_writable(self) -> None:
        if self.paginated:
            raise RuntimeError(f"txid [{self.tx_id}]: transaction has already performed a paginated query. "
                               "Writes are not allowed")

    async def put_state(self, key: str, value: bytes | str) -> None:
        self._check_writable()
        if not key:
            raise ValueError("key must not be empty")
        data = value.encode() if isinstance(value, str) else bytes(value)
        self.writes[key] = data if data else None  # empty value is a delete (rwset_builder newKVWrite)

    async def delete_state(self, key: str) -> None:
        self._check_writable()
        self.writes[key] = None

    async def get_state_by_range(self, start_key: str, end_key: str) -> _Iterator:
        start = start_key or "\x01"
        items = self.ledger.range(start, end_key)
        iterator = _RecordingIterator(self, start, end_key, items)
        return iterator

    async def get_state_by_partial_composite_key(self, object_type: str, attributes: list[str]) -> _Iterator:
        start = composite(object_type, *attributes)
        return await self.get_state_by_range(start, start + "\U0010ffff")

    async def get_state_by_range_with_pagination(self, start_key: str, end_key: str, page_size: int,
                                                 bookmark: str = "") -> _Iterator:
        """Fabric-native pagination: a non-empty bookmark replaces the start key; the page's metadata is on
        ``iterator.metadata``; afterwards the transaction may not write (``tx_simulator.go``)."""
        if page_size <= 0:
            raise ValueError("page_size must be positive")
        items = self.ledger.range(bookmark or start_key or "\x01", end_key)
        page, rest = items[:page_size], items[page_size:]
        self.paginated = True
        iterator = _Iterator([KV(k, e.value) for k, e in page])
        iterator.metadata = {"fetched_records_count": len(page), "bookmark": rest[0][0] if rest else ""}
        return iterator

    async def get_history_for_key(self, key: str) -> _Iterator:
        # Newest first, as a Fabric peer returns it (core/ledger/kvledger/history/query_executer.go).
        return _Iterator(list(reversed(self.ledger.history.get(key, []))))

    async def set_state_validation_parameter(self, key: str, ep: bytes) -> None:
        self.metadata_writes.setdefault(key, {})[VALIDATION_PARAMETER] = bytes(ep)

    async def get_state_validation_parameter(self, key: str) -> bytes:
        return self.ledger.metadata(key).get(VALIDATION_PARAMETER, b"")

    def set_event(self, name: str, payload: bytes | str) -> None:
        if not name:
            raise ValueError("event name must be a non-empty string")
        self.event = (name, payload.encode() if isinstance(payload, str) else bytes(payload))

    def create_composite_key(self, object_type: str, attributes: list[str]) -> str:
        return composite(object_type, *attributes)


class _RecordingIterator(_Iterator):
    """Records what was actually consumed, like Fabric's ``RangeQueryInfo`` (end = last key read)."""

    def __init__(self, stub: MemStub, start: str, end: str, items: list[tuple[str, _Entry]]) -> None:
        super().__init__([KV(k, e.value) for k, e in items])
        self._versions = [(k, e.version) for k, e in items]
        self._seen: list[tuple[str, Version]] = []
        stub.ranges.append((start, end, self._seen, False))
        self._stub = stub
        self._index = len(stub.ranges) - 1

    async def __anext__(self) -> Any:
        if not self._items:
            self._mark(exhausted=True)
            raise StopAsyncIteration
        self._seen.append(self._versions[len(self._seen)])
        return self._items.pop(0)

    async def aclose(self) -> None:
        self.closed = True

    def _mark(self, exhausted: bool) -> None:
        start, end, seen, _ = self._stub.ranges[self._index]
        self._stub.ranges[self._index] = (start, end, seen, exhausted)
