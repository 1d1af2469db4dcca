"""Committed state as one block's validation sees it, with repeated point reads answered from memory.

Fabric validates a block against the state committed *before* it (``core/ledger/kvledger``: the validator
and the lifecycle's ``ValidationInfo`` read through a query executor on committed state; the block's own
writes only become visible through the update batch used by MVCC). Committed state cannot change until
the block is committed, so memoising point reads for the duration of one validation is exact. It saves
re-reading and re-decoding the chaincode definition (several ``_lifecycle`` keys) for every transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from network.devnet.ledger.version import VersionedValue


class CommittedState(Protocol):
    def get_state(self, ns: str, key: str) -> VersionedValue | None: ...

    def get_private_hash(self, ns: str, collection: str, key_hash: bytes) -> VersionedValue | None: ...

    def range(self, ns: str, start_key: str, end_key: str) -> Iterator[tuple[str, VersionedValue]]: ...

    def txid_exists(self, txid: str) -> bool: ...


class BlockStateView:
    """Read-through memo over ``CommittedState``; create one per block and drop it after validation."""

    def __init__(self, committed: CommittedState) -> None:
        self._committed = committed
        self._states: dict[tuple[str, str], VersionedValue | None] = {}
        self._hashes: dict[tuple[str, str, bytes], VersionedValue | None] = {}

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
        return self._committed.txid_exists(txid)
