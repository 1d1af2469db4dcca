"""Transaction simulator: chaincode reads committed state, writes are only recorded.

Mirrors ``core/ledger/kvledger/txmgmt/txmgr/tx_simulator.go`` and ``query_executor.go``:

* reads go to the committed world state and record the committed version - a transaction does **not** see
  its own writes (``GetState`` reads the state DB, never the write set);
* range iterators record a ``RangeQueryInfo`` (start key, last key seen or the requested end when
  exhausted, raw reads or merkle summary); the infos are added to the rwset when results are taken,
  in creation order (``queryExecutor.addRangeQueryInfo``);
* after a paginated query no write is allowed (``checkWritePrecondition``);
* keys must be valid UTF-8 (``ValidateKeyValue``); protobuf ``string`` fields already guarantee that.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from fabric_protos.ledger.rwset import rwset_pb2

from network.devnet.ledger.rangequery import RangeQueryRecorder
from network.devnet.ledger.rwset import RWSetBuilder, SimulationResults, key_hash
from network.devnet.ledger.version import KeyModification, VersionedValue


class StateReader(Protocol):
    """The part of D1's ``Ledger`` the simulator needs."""

    def get_state(self, ns: str, key: str) -> VersionedValue | None: ...

    def range(self, ns: str, start_key: str, end_key: str) -> Iterator[tuple[str, VersionedValue]]: ...

    def history(self, ns: str, key: str) -> Iterator[KeyModification]: ...

    def get_private_hash(self, ns: str, collection: str, key_hash: bytes) -> VersionedValue | None: ...


class SimulationError(Exception):
    """An operation the simulator refuses, with Fabric's reason."""


class RangeScan:
    """A range iterator over committed state that records what the chaincode saw (``resultsItr``)."""

    def __init__(
        self, ns: str, start_key: str, end_key: str, source: Iterator[tuple[str, VersionedValue]], page_size: int = 0
    ) -> None:
        self.ns = ns
        self.recorder = RangeQueryRecorder(start_key, end_key)
        self._source = source
        self._page_size = page_size
        self._returned = 0
        self.exhausted = False
        self.closed = False
        self._lookahead: tuple[str, VersionedValue] | None = None

    def next(self) -> tuple[str, VersionedValue] | None:
        """Next committed (key, value) or None; reaching the end marks the query exhausted."""
        if self.closed or self.exhausted:
            return None
        if self._page_size and self._returned >= self._page_size:
            # The paginated state-DB scanner stops after page_size records; the results iterator then
            # reports exhaustion exactly as for the real end of the range.
            self.exhausted = True
            return None
        item = next(self._source, None)
        if item is None:
            self.exhausted = True
            return None
        self._returned += 1
        key, value = item
        self.recorder.add(key, value.version)
        return item

    def bookmark(self) -> str:
        """Key of the next record after the page, or "" when none (``kvScanner.GetBookmarkAndClose``)."""
        item = next(self._source, None)
        return item[0] if item is not None else ""

    def close(self) -> None:
        self.closed = True


class TxSimulator:
    """Simulates one transaction against a ledger snapshot view and builds its public rwset."""

    def __init__(self, ledger: StateReader, txid: str) -> None:
        self.ledger = ledger
        self.txid = txid
        self.builder = RWSetBuilder()
        self._scans: list[RangeScan] = []
        self.paginated_query_done = False
        self.done = False

    # -- reads ---------------------------------------------------------------------------------------
    def get_state(self, ns: str, key: str) -> bytes | None:
        committed = self.get_committed(ns, key)
        return committed.value if committed else None

    def get_committed(self, ns: str, key: str) -> VersionedValue | None:
        """``get_state`` returning the committed value with its version (the read is recorded the same way)."""
        committed = self.ledger.get_state(ns, key)
        self.builder.add_read(ns, key, committed.version if committed else None)
        return committed

    def get_state_metadata(self, ns: str, key: str) -> dict[str, bytes]:
        """Records a read of the key, as Fabric's ``GetStateMetadata`` does while collecting a read set."""
        committed = self.ledger.get_state(ns, key)
        self.builder.add_read(ns, key, committed.version if committed else None)
        return dict(committed.metadata) if committed else {}

    def get_private_data_hash(self, ns: str, collection: str, key: str) -> bytes | None:
        """Committed value hash of a private key; recorded as a hashed read (``GetPrivateDataHash``)."""
        committed = self.ledger.get_private_hash(ns, collection, key_hash(key))
        self.builder.add_hashed_read(ns, collection, key, committed.version if committed else None)
        return committed.value if committed else None

    def range_scan(self, ns: str, start_key: str, end_key: str, page_size: int = 0) -> RangeScan:
        if page_size:
            self.paginated_query_done = True
        scan = RangeScan(ns, start_key, end_key, self.ledger.range(ns, start_key, end_key), page_size)
        self._scans.append(scan)
        return scan

    def history(self, ns: str, key: str) -> Iterator[KeyModification]:
        """History queries are not part of the rwset (Fabric does not validate them)."""
        return self.ledger.history(ns, key)

    # -- writes --------------------------------------------------------------------------------------
    def _check_write_precondition(self, key: str) -> None:
        if self.done:
            raise SimulationError("this instance should not be used after calling Done()")
        if self.paginated_query_done:
            raise SimulationError("txSimulator does not support write after paginated range query")
        if not key:
            raise SimulationError("key: an empty key is not allowed")

    def set_state(self, ns: str, key: str, value: bytes) -> None:
        self._check_write_precondition(key)
        self.builder.add_write(ns, key, value)

    def delete_state(self, ns: str, key: str) -> None:
        self._check_write_precondition(key)
        self.builder.add_delete(ns, key)

    def set_state_metadata(self, ns: str, key: str, metadata: dict[str, bytes]) -> None:
        self._check_write_precondition(key)
        self.builder.add_metadata_write(ns, key, metadata)

    def set_private_hashed_write(self, ns: str, collection: str, key: str, value: bytes) -> None:
        """Private write (hash goes public); used by ``_lifecycle`` for implicit org collections."""
        self._check_write_precondition(key)
        self.builder.add_private_write(ns, collection, key, value)

    # -- results -------------------------------------------------------------------------------------
    def results(self) -> rwset_pb2.TxReadWriteSet:
        """Public rwset; range query infos are appended in creation order (``addRangeQueryInfo``)."""
        return self.build().public

    def build(self) -> SimulationResults:
        if not self.done:
            for scan in self._scans:
                self.builder.add_range_query(scan.ns, scan.recorder.finish(scan.exhausted))
            self.done = True
        return self.builder.build()
