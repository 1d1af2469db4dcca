"""Committed state as one block's validation sees it, with repeated point reads answered from memory.

Fabric validates a block against the state committed *before* it (``core/ledger/kvledger``: the validator
and the lifecycle's ``ValidationInfo`` read through a query executor on committed state; the block's own
writes only become visible through the update batch used by MVCC). Committed state cannot change until
the block is committed, so memoising point reads for the duration of one validation is exact. It saves
re-reading and re-decoding the chaincode definition (several ``_lifecycle`` keys) for every transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

from network.devnet.ledger.version import VersionedValue


class StateReads(Protocol):
    """What MVCC and the validators read: the ledger itself, or one block's :class:`BlockStateView` of it."""

    def get_state(self, ns: str, key: str) -> VersionedValue | None: ...

    def get_private_hash(self, ns: str, collection: str, key_hash: bytes) -> VersionedValue | None: ...

    def range(self, ns: str, start_key: str, end_key: str) -> Iterator[tuple[str, VersionedValue]]: ...

    def txid_exists(self, txid: str) -> bool: ...


class CommittedState(StateReads, Protocol):
    """The ledger a block is validated against: point reads, their batched forms, and its height."""

    def get_states(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], VersionedValue]:
        """``get_state`` for many keys in one read; absent keys are left out."""
        ...

    def existing_txids(self, txids: Iterable[str]) -> set[str]:
        """The ones among ``txids`` already committed, in one read."""
        ...

    @property
    def height(self) -> int: ...


class BlockStateView:
    """Read-through memo over ``CommittedState``; create one per block and drop it after validation."""

    def __init__(self, committed: CommittedState) -> None:
        self._committed = committed
        self._states: dict[tuple[str, str], VersionedValue | None] = {}
        self._hashes: dict[tuple[str, str, bytes], VersionedValue | None] = {}
        self._txids: dict[str, bool] = {}

    def prefetch_states(self, keys: Iterable[tuple[str, str]]) -> None:
        """Memoise many point reads with one batched read (``get_states``); a key the batch does not return is
        absent, exactly what ``get_state`` would answer."""
        wanted = [k for k in dict.fromkeys(keys) if k not in self._states]
        if not wanted:
            return
        found = self._committed.get_states(wanted)
        for key in wanted:
            self._states[key] = found.get(key)

    def prefetch_txids(self, txids: Iterable[str]) -> None:
        """Memoise many ``txid_exists`` answers with one batched read (``existing_txids``)."""
        wanted = [t for t in dict.fromkeys(txids) if t not in self._txids]
        if not wanted:
            return
        existing = self._committed.existing_txids(wanted)
        for txid in wanted:
            self._txids[txid] = txid in existing

    def get_state(self, ns: str, key: str) -> VersionedValue | None:
        where = (ns, key)
        if where not in self._states:
            self._states[where] = self._committed.get_state(ns, key)
        return self._states[where]

    def get_private_hash(self, ns: str, collection: str, key_hash: bytes) -> VersionedValue | None:
        where = (ns, collection, key_hash)
        if where not in self._hashes:
            self._hashes[where] = self._committed.get_private_hash(ns, collection, key_hash)
        return self._hashes[where]

    def range(self, ns: str, start_key: str, end_key: str) -> Iterator[tuple[str, VersionedValue]]:
        return self._committed.range(ns, start_key, end_key)

    def txid_exists(self, txid: str) -> bool:
        known = self._txids.get(txid)
        if known is None:
            known = self._txids[txid] = self._committed.txid_exists(txid)
        return known
