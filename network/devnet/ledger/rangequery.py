"""Range-query read tracking, including Fabric's merkle summary for large result sets.

A range query's reads are recorded so the committer can detect phantoms. Fabric always enables hashing with
a maximum degree of 50: up to 50 results are kept raw; beyond that the reads are folded into a merkle tree
and only the top level of hashes is kept (``core/ledger/kvledger/txmgmt/rwsetutil/query_results_helper.go``
``RangeQueryResultsHelper``, ``merkleTree``; ``txmgr/query_executor.go`` ``resultsItr``). The committer
rebuilds exactly the same structure, so the algorithm here must match bit for bit.
"""

from __future__ import annotations

import hashlib

from fabric_protos.ledger.rwset.kvrwset import kv_rwset_pb2

from network.devnet.ledger.version import Version

MAX_DEGREE = 50
"""``maxDegreeQueryReadsHashing`` in ``core/ledger/kvledger/txmgmt/txmgr/txmgr.go``."""

LEAF_LEVEL = 1


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def combined_hash(hashes: list[bytes]) -> bytes:
    """``computeCombinedHash``: SHA-256 over the plain concatenation of the child hashes."""
    return _sha256(b"".join(hashes))


def make_kv_read(key: str, version: Version | None) -> kv_rwset_pb2.KVRead:
    """``NewKVRead``: an absent key is read with the version left unset (not zero)."""
    read = kv_rwset_pb2.KVRead(key=key)
    if version is not None:
        read.version.CopyFrom(version.to_proto())
    return read


class MerkleTree:
    """Fabric's bounded-degree merkle tree over leaf hashes (``merkleTree.update`` / ``done``)."""

    def __init__(self, max_degree: int = MAX_DEGREE) -> None:
        self.max_degree = max_degree
        self.tree: dict[int, list[bytes]] = {LEAF_LEVEL: []}
        self.max_level = LEAF_LEVEL

    def is_empty(self) -> bool:
        return self.max_level == LEAF_LEVEL and not self.tree.get(LEAF_LEVEL)

    def update(self, leaf_hash: bytes) -> None:
        """Add a leaf; a level that grows beyond max_degree collapses into one hash one level up."""
        self.tree.setdefault(LEAF_LEVEL, []).append(leaf_hash)
        level = LEAF_LEVEL
        while len(self.tree.get(level, [])) > self.max_degree:
            parent = combined_hash(self.tree.pop(level))
            self.tree.setdefault(level + 1, []).append(parent)
            self.max_level = max(self.max_level, level + 1)
            level += 1

    def done(self) -> None:
        """Fold every lower level up to max_level; if the top level overflows, add one more level."""
        for level in range(LEAF_LEVEL, self.max_level):
            hashes = self.tree.get(level, [])
            if not hashes:
                continue
            folded = hashes[0] if len(hashes) == 1 else combined_hash(hashes)
            del self.tree[level]
            self.tree.setdefault(level + 1, []).append(folded)
        top = self.tree.get(self.max_level, [])
        if len(top) > self.max_degree:
            del self.tree[self.max_level]
            self.max_level += 1
            self.tree[self.max_level] = [combined_hash(top)]

    def summary(self) -> kv_rwset_pb2.QueryReadsMerkleSummary:
        return kv_rwset_pb2.QueryReadsMerkleSummary(
            max_degree=self.max_degree,
            max_level=self.max_level,
            max_level_hashes=list(self.tree.get(self.max_level, [])),
        )


class RangeQueryResultsHelper:
    """Buffers a range query's reads; switches to merkle hashing once more than max_degree are seen."""

    def __init__(self, max_degree: int = MAX_DEGREE) -> None:
        self.max_degree = max_degree
        self.pending: list[kv_rwset_pb2.KVRead] = []
        self.merkle = MerkleTree(max_degree)

    def add_result(self, read: kv_rwset_pb2.KVRead) -> None:
        self.pending.append(read)
        if len(self.pending) > self.max_degree:
            self._process_pending()

    def _process_pending(self) -> None:
        leaf = _sha256(kv_rwset_pb2.QueryReads(kv_reads=self.pending).SerializeToString())
        self.pending = []
        self.merkle.update(leaf)

    def done(self) -> tuple[list[kv_rwset_pb2.KVRead], kv_rwset_pb2.QueryReadsMerkleSummary | None]:
        """Raw reads when the tree never received a leaf, else the merkle summary (``Done``)."""
        if self.merkle.is_empty():
            return self.pending, None
        if self.pending:
            self._process_pending()
        self.merkle.done()
        return self.pending, self.merkle.summary()


def build_range_query_info(
    start_key: str,
    end_key: str,
    itr_exhausted: bool,
    reads: list[tuple[str, Version | None]],
    max_degree: int = MAX_DEGREE,
) -> kv_rwset_pb2.RangeQueryInfo:
    """RangeQueryInfo for reads already made, as ``resultsItr`` records it.

    ``end_key`` must already follow Fabric's rule: the requested end key when the iterator was exhausted,
    otherwise the last key returned to the chaincode (``resultsItr.updateRangeQueryInfo``).
    """
    helper = RangeQueryResultsHelper(max_degree)
    for key, version in reads:
        helper.add_result(make_kv_read(key, version))
    raw, summary = helper.done()
    info = kv_rwset_pb2.RangeQueryInfo(start_key=start_key, end_key=end_key, itr_exhausted=itr_exhausted)
    _set_reads_info(info, raw, summary)
    return info


def _set_reads_info(
    info: kv_rwset_pb2.RangeQueryInfo,
    raw: list[kv_rwset_pb2.KVRead],
    summary: kv_rwset_pb2.QueryReadsMerkleSummary | None,
) -> None:
    """``queryHelper.addRangeQueryInfo``: raw reads only when there are some (Go checks ``results != nil``),
    so a query that returned nothing leaves the oneof unset; otherwise the merkle summary."""
    if summary is not None:
        info.reads_merkle_hashes.CopyFrom(summary)
    elif raw:
        info.raw_reads.kv_reads.extend(raw)


class RangeQueryRecorder:
    """Incremental recorder for a simulator's range iterator (``resultsItr``).

    Call :meth:`add` for every result handed to the chaincode, then :meth:`finish` when the iterator is
    closed or exhausted. Used by the transaction simulator (D3) with :class:`RWSetBuilder`.
    """

    def __init__(self, start_key: str, end_key: str, max_degree: int = MAX_DEGREE) -> None:
        self.start_key = start_key
        self.requested_end_key = end_key
        # Fabric sets EndKey only when Next() is called; an unread iterator records end_key "".
        self.last_key = ""
        self.helper = RangeQueryResultsHelper(max_degree)

    def add(self, key: str, version: Version | None) -> None:
        self.helper.add_result(make_kv_read(key, version))
        self.last_key = key

    def finish(self, exhausted: bool) -> kv_rwset_pb2.RangeQueryInfo:
        raw, summary = self.helper.done()
        end_key = self.requested_end_key if exhausted else self.last_key
        info = kv_rwset_pb2.RangeQueryInfo(start_key=self.start_key, end_key=end_key, itr_exhausted=exhausted)
        _set_reads_info(info, raw, summary)
        return info
