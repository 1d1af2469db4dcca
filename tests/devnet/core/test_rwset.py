"""RWSetBuilder and range-query recording follow Fabric's ordering and hashing rules byte for byte."""

from __future__ import annotations

import hashlib

from fabric_protos.ledger.rwset import rwset_pb2
from fabric_protos.ledger.rwset.kvrwset import kv_rwset_pb2

from network.devnet.ledger.rangequery import RangeQueryRecorder, build_range_query_info
from network.devnet.ledger.rwset import RWSetBuilder, key_hash
from network.devnet.ledger.version import Version


def _kv(ns_set: rwset_pb2.NsReadWriteSet) -> kv_rwset_pb2.KVRWSet:
    return kv_rwset_pb2.KVRWSet.FromString(ns_set.rwset)


def test_namespaces_and_keys_sorted_bytewise() -> None:
    b = RWSetBuilder()
    b.add_write("zeta", "b", b"1")
    b.add_write("alpha", "é", b"2")
    b.add_write("alpha", "Z", b"3")
    b.add_write("alpha", "a", b"4")
    b.add_read("alpha", "k2", Version(1, 0))
    b.add_read("alpha", "k1", None)
    out = b.build().public
    assert [n.namespace for n in out.ns_rwset] == ["alpha", "zeta"]
    alpha = _kv(out.ns_rwset[0])
    assert [w.key for w in alpha.writes] == ["Z", "a", "é"]
    assert [r.key for r in alpha.reads] == ["k1", "k2"]
    assert not alpha.reads[0].HasField("version")
    assert alpha.reads[1].version == kv_rwset_pb2.Version(block_num=1, tx_num=0)


def test_last_write_wins_and_empty_value_is_delete() -> None:
    b = RWSetBuilder()
    b.add_write("cc", "k", b"first")
    b.add_write("cc", "k", b"second")
    b.add_write("cc", "gone", b"x")
    b.add_write("cc", "gone", b"")
    writes = {w.key: w for w in _kv(b.build().public.ns_rwset[0]).writes}
    assert writes["k"].value == b"second" and not writes["k"].is_delete
    assert writes["gone"].is_delete and writes["gone"].value == b""


def test_metadata_entries_sorted_by_name() -> None:
    b = RWSetBuilder()
    b.add_metadata_write("cc", "k", {"VALIDATION_PARAMETER": b"p", "A": b"a"})
    mw = _kv(b.build().public.ns_rwset[0]).metadata_writes
    assert [e.name for e in mw[0].entries] == ["A", "VALIDATION_PARAMETER"]


def test_range_queries_first_seen_order_deduplicated() -> None:
    b = RWSetBuilder()
    q2 = build_range_query_info("m", "z", True, [("n", Version(1, 1))])
    q1 = build_range_query_info("a", "c", True, [("b", Version(1, 0))])
    b.add_range_query("cc", q2)
    b.add_range_query("cc", q1)
    b.add_range_query("cc", build_range_query_info("m", "z", True, []))
    rqs = _kv(b.build().public.ns_rwset[0]).range_queries_info
    assert [(q.start_key, q.end_key) for q in rqs] == [("m", "z"), ("a", "c")]
    assert rqs[0].raw_reads.kv_reads[0].key == "n"


def test_private_writes_hashed_and_pvt_hash_set() -> None:
    b = RWSetBuilder()
    b.add_private_write("cc", "collB", "k", b"secret")
    b.add_private_delete("cc", "collA", "d")
    b.add_hashed_read("cc", "collC", "r", Version(2, 3))
    res = b.build()
    ns = res.public.ns_rwset[0]
    assert [c.collection_name for c in ns.collection_hashed_rwset] == ["collA", "collB", "collC"]
    coll_b = ns.collection_hashed_rwset[1]
    hashed = kv_rwset_pb2.HashedRWSet.FromString(coll_b.hashed_rwset)
    assert hashed.hashed_writes[0].key_hash == hashlib.sha256(b"k").digest()
    assert hashed.hashed_writes[0].value_hash == hashlib.sha256(b"secret").digest()
    coll_a = kv_rwset_pb2.HashedRWSet.FromString(ns.collection_hashed_rwset[0].hashed_rwset)
    assert coll_a.hashed_writes[0].is_delete and coll_a.hashed_writes[0].value_hash == b""
    assert ns.collection_hashed_rwset[2].pvt_rwset_hash == b""  # reads only: no private rwset
    assert res.private is not None
    pvt_b = res.private.ns_pvt_rwset[0].collection_pvt_rwset[1]
    assert pvt_b.collection_name == "collB"
    assert coll_b.pvt_rwset_hash == hashlib.sha256(pvt_b.rwset).digest()
    assert key_hash("r") == kv_rwset_pb2.HashedRWSet.FromString(
        ns.collection_hashed_rwset[2].hashed_rwset
    ).hashed_reads[0].key_hash


def _reads(n: int) -> list[tuple[str, Version | None]]:
    return [(f"key{i:05d}", Version(1, i)) for i in range(n)]


def _leaf(reads: list[tuple[str, Version | None]]) -> bytes:
    q = kv_rwset_pb2.QueryReads(
        kv_reads=[kv_rwset_pb2.KVRead(key=k, version=v.to_proto()) for k, v in reads if v is not None]
    )
    return hashlib.sha256(q.SerializeToString()).digest()


def test_fifty_reads_stay_raw() -> None:
    info = build_range_query_info("", "", True, _reads(50))
    assert info.WhichOneof("reads_info") == "raw_reads" and len(info.raw_reads.kv_reads) == 50


def test_fifty_one_reads_become_one_leaf() -> None:
    reads = _reads(51)
    info = build_range_query_info("", "", True, reads)
    summary = info.reads_merkle_hashes
    assert (summary.max_degree, summary.max_level) == (50, 1)
    assert list(summary.max_level_hashes) == [_leaf(reads)]


def test_fifty_two_reads_two_leaves() -> None:
    reads = _reads(52)
    summary = build_range_query_info("", "", True, reads).reads_merkle_hashes
    assert list(summary.max_level_hashes) == [_leaf(reads[:51]), _leaf(reads[51:])]


def test_second_level_after_fifty_one_leaves() -> None:
    reads = _reads(51 * 51)
    leaves = [_leaf(reads[i * 51 : (i + 1) * 51]) for i in range(51)]
    summary = build_range_query_info("", "", True, reads).reads_merkle_hashes
    assert summary.max_level == 2
    assert list(summary.max_level_hashes) == [hashlib.sha256(b"".join(leaves)).digest()]


def test_recorder_end_key_rules() -> None:
    rec = RangeQueryRecorder("a", "z")
    rec.add("b", Version(1, 0))
    rec.add("c", Version(1, 1))
    partial = rec.finish(exhausted=False)
    assert (partial.end_key, partial.itr_exhausted) == ("c", False)
    rec2 = RangeQueryRecorder("a", "z")
    rec2.add("b", Version(1, 0))
    full = rec2.finish(exhausted=True)
    assert (full.end_key, full.itr_exhausted) == ("z", True)
    empty = RangeQueryRecorder("a", "z").finish(exhausted=True)
    assert empty.WhichOneof("reads_info") is None


def test_hashed_entries_sorted_by_plain_key_not_hash() -> None:
    keys = ["a", "b", "c", "d", "e", "f"]
    assert sorted(keys, key=lambda k: hashlib.sha256(k.encode()).digest()) != keys  # orders really differ
    b = RWSetBuilder()
    for k in reversed(keys):
        b.add_private_write("cc", "coll", k, b"v")
        b.add_hashed_read("cc", "coll", k, None)
    coll = b.build().public.ns_rwset[0].collection_hashed_rwset[0]
    hashed = kv_rwset_pb2.HashedRWSet.FromString(coll.hashed_rwset)
    assert [w.key_hash for w in hashed.hashed_writes] == [key_hash(k) for k in keys]
    assert [r.key_hash for r in hashed.hashed_reads] == [key_hash(k) for k in keys]


def test_private_metadata_write_keeps_entries_only_in_hashed_rwset() -> None:
    b = RWSetBuilder()
    b.add_private_metadata_write("cc", "coll", "k", {"VALIDATION_PARAMETER": b"p"})
    res = b.build()
    assert res.private is not None
    pvt = kv_rwset_pb2.KVRWSet.FromString(res.private.ns_pvt_rwset[0].collection_pvt_rwset[0].rwset)
    assert pvt.metadata_writes[0].key == "k" and list(pvt.metadata_writes[0].entries) == []
    hashed = kv_rwset_pb2.HashedRWSet.FromString(res.public.ns_rwset[0].collection_hashed_rwset[0].hashed_rwset)
    assert hashed.metadata_writes[0].key_hash == key_hash("k")
    assert [(e.name, e.value) for e in hashed.metadata_writes[0].entries] == [("VALIDATION_PARAMETER", b"p")]
