"""Commit-time MVCC and phantom-read validation (``core/ledger/kvledger/txmgmt/validation/validator.go``,
``rangequery_validator.go``, ``combined_iterator.go``; reference 4.4).

Transactions are checked in block order against the committed state *and* the updates of the earlier
valid transactions of the same block:

* a public or hashed read of a key written earlier in the block is a conflict; otherwise the committed
  version must equal the version read (both absent counts as equal) -> MVCC_READ_CONFLICT;
* a range query is re-executed over committed state merged with the in-block updates, over
  ``[start, end)`` or ``[start, end]`` when the simulation stopped early; raw reads must match exactly,
  merkle summaries must be rebuilt identically -> PHANTOM_READ_CONFLICT.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from fabric_protos.ledger.rwset.kvrwset import kv_rwset_pb2

from network.devnet.ledger.parsedrwset import ParsedRWSet
from network.devnet.ledger.rangequery import RangeQueryResultsHelper, make_kv_read
from network.devnet.ledger.updates import UpdateBatch
from network.devnet.ledger.version import Version, VersionedValue, version_of_read
from network.devnet.validation import codes


class StateView(Protocol):
    def get_state(self, ns: str, key: str) -> VersionedValue | None: ...

    def get_private_hash(self, ns: str, collection: str, key_hash: bytes) -> VersionedValue | None: ...

    def range(self, ns: str, start_key: str, end_key: str) -> Iterator[tuple[str, VersionedValue]]: ...


def _committed_version(vv: VersionedValue | None) -> Version | None:
    return vv.version if vv is not None else None


def valid_public_read(ns: str, read: kv_rwset_pb2.KVRead, updates: UpdateBatch, state: StateView) -> bool:
    """``validateKVRead``."""
    if updates.get_public(ns, read.key) is not None:
        return False
    return _committed_version(state.get_state(ns, read.key)) == version_of_read(read)


def valid_hashed_read(
    ns: str, coll: str, read: kv_rwset_pb2.KVReadHash, updates: UpdateBatch, state: StateView
) -> bool:
    """``validateKVReadHash``."""
    if updates.get_hashed(ns, coll, bytes(read.key_hash)) is not None:
        return False
    return _committed_version(state.get_private_hash(ns, coll, bytes(read.key_hash))) == version_of_read(read)


def combined_range(
    ns: str, start: str, end: str, include_end: bool, updates: UpdateBatch, state: StateView
) -> Iterator[tuple[str, Version]]:
    """``combinedIterator``: committed keys merged with in-block updates (updates win, deletes hide)."""
    merged: dict[bytes, tuple[str, Version | None]] = {}
    for key, vv in state.range(ns, start, end):
        merged[key.encode()] = (key, vv.version)
    start_b, end_b = start.encode(), end.encode()
    for key, upd in updates.public.get(ns, {}).items():
        kb = key.encode()
        if kb >= start_b and (not end or kb < end_b):
            merged[kb] = (key, upd.version if upd.value is not None else None)
    for kb in sorted(merged):
        key, version = merged[kb]
        if version is not None:
            yield key, version
    if include_end:
        upd = updates.get_public(ns, end)
        if upd is not None:
            if upd.value is not None:
                yield end, upd.version
        else:
            vv = state.get_state(ns, end)
            if vv is not None:
                yield end, vv.version


def valid_raw_range(info: kv_rwset_pb2.RangeQueryInfo, results: Iterator[tuple[str, Version]]) -> bool:
    """``rangeQueryResultsValidator``: the same keys with the same versions, nothing more."""
    expected = [(r.key, version_of_read(r)) for r in info.raw_reads.kv_reads]
    actual = list(results)
    return actual == expected


def valid_merkle_range(info: kv_rwset_pb2.RangeQueryInfo, results: Iterator[tuple[str, Version]]) -> bool:
    """``rangeQueryHashValidator``: rebuild the summary with the same max degree and compare it."""
    claimed = info.reads_merkle_hashes
    if claimed.max_degree <= 0:
        return False
    helper = RangeQueryResultsHelper(claimed.max_degree)
    for key, version in results:
        helper.add_result(make_kv_read(key, version))
    _, summary = helper.done()
    if summary is None:
        return False
    return (summary.max_degree, summary.max_level, list(summary.max_level_hashes)) == (
        claimed.max_degree,
        claimed.max_level,
        list(claimed.max_level_hashes),
    )


def valid_range_query(ns: str, info: kv_rwset_pb2.RangeQueryInfo, updates: UpdateBatch, state: StateView) -> bool:
    """``validateRangeQuery``: include end_key when the simulation did not exhaust the iterator."""
    results = combined_range(ns, info.start_key, info.end_key, not info.itr_exhausted, updates, state)
    if info.WhichOneof("reads_info") == "reads_merkle_hashes":
        return valid_merkle_range(info, results)
    return valid_raw_range(info, results)


def mvcc_code(tx_rwset: ParsedRWSet, updates: UpdateBatch, state: StateView) -> int:
    """``validateTx``: per namespace, public reads, then range queries, then hashed reads."""
    for ns_set in tx_rwset.namespaces:
        ns = ns_set.namespace
        kv = ns_set.kv
        if not all(valid_public_read(ns, r, updates, state) for r in kv.reads):
            return codes.MVCC_READ_CONFLICT
        if not all(valid_range_query(ns, q, updates, state) for q in kv.range_queries_info):
            return codes.PHANTOM_READ_CONFLICT
        for coll in ns_set.collections:
            if not all(valid_hashed_read(ns, coll.name, r, updates, state) for r in coll.hashed.hashed_reads):
                return codes.MVCC_READ_CONFLICT
    return codes.VALID
