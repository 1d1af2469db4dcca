"""Building a transaction's read-write set exactly as a Fabric peer's simulator does.

Endorsements from different peers must be byte-identical, and Fabric peers serialise the rwset in a fixed
order, so the ordering rules here are part of the protocol (``core/ledger/kvledger/txmgmt/rwsetutil/
rwset_builder.go``):

* namespaces sorted by name; in a namespace reads, writes and metadata writes sorted by key;
  range queries in first-seen order, de-duplicated by (start_key, end_key, itr_exhausted);
* hashed collections sorted by name; their hashed reads/writes sorted by the *plain* key (the builder's
  maps are keyed by the key, only the entries carry the hash: ``AddToHashedReadSet``);
* the last write to a key wins; a write of an empty value is a delete (``newKVWrite``);
* metadata entries sorted by name (``mapToMetadataWrite``); a private metadata write keeps only the key in
  the private rwset (``KVMetadataWrite{Key, Entries: nil}``), the entries go into the hashed rwset;
* a collection with private writes gets ``pvt_rwset_hash`` = SHA-256 of its private KVRWSet bytes
  (``GetTxSimulationResults`` -> ``setPvtCollectionHash``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from fabric_protos.ledger.rwset import rwset_pb2
from fabric_protos.ledger.rwset.kvrwset import kv_rwset_pb2

from network.devnet.ledger.rangequery import make_kv_read
from network.devnet.ledger.version import Version


def key_hash(key: str) -> bytes:
    """Private keys are identified on the public ledger by SHA-256 of the key (``util.ComputeStringHash``)."""
    return hashlib.sha256(key.encode()).digest()


def value_hash(value: bytes) -> bytes:
    return hashlib.sha256(value).digest()


def _byte_order(key: str) -> bytes:
    """Go compares strings bytewise; UTF-8 bytes give that order (and agree with code-point order)."""
    return key.encode()


def make_kv_write(key: str, value: bytes) -> kv_rwset_pb2.KVWrite:
    """``newKVWrite``: an empty value means delete."""
    is_delete = len(value) == 0
    return kv_rwset_pb2.KVWrite(key=key, is_delete=is_delete, value=value)


def metadata_entries(metadata: Mapping[str, bytes]) -> list[kv_rwset_pb2.KVMetadataEntry]:
    """Metadata entries sorted by name (``mapToMetadataWrite``)."""
    return [kv_rwset_pb2.KVMetadataEntry(name=name, value=metadata[name]) for name in sorted(metadata, key=_byte_order)]


@dataclass
class _CollectionBuilder:
    hashed_reads: dict[str, kv_rwset_pb2.KVReadHash] = field(default_factory=dict)
    hashed_writes: dict[str, kv_rwset_pb2.KVWriteHash] = field(default_factory=dict)
    hashed_metadata_writes: dict[str, kv_rwset_pb2.KVMetadataWriteHash] = field(default_factory=dict)
    private_writes: dict[str, kv_rwset_pb2.KVWrite] = field(default_factory=dict)
    private_metadata_writes: dict[str, kv_rwset_pb2.KVMetadataWrite] = field(default_factory=dict)

    def has_private_data(self) -> bool:
        return bool(self.private_writes or self.private_metadata_writes)

    def private_kvrwset(self) -> kv_rwset_pb2.KVRWSet:
        return kv_rwset_pb2.KVRWSet(
            writes=[self.private_writes[k] for k in sorted(self.private_writes, key=_byte_order)],
            metadata_writes=[
                self.private_metadata_writes[k] for k in sorted(self.private_metadata_writes, key=_byte_order)
            ],
        )

    def hashed_rwset(self) -> kv_rwset_pb2.HashedRWSet:
        return kv_rwset_pb2.HashedRWSet(
            hashed_reads=[self.hashed_reads[k] for k in sorted(self.hashed_reads, key=_byte_order)],
            hashed_writes=[self.hashed_writes[k] for k in sorted(self.hashed_writes, key=_byte_order)],
            metadata_writes=[
                self.hashed_metadata_writes[k] for k in sorted(self.hashed_metadata_writes, key=_byte_order)
            ],
        )


@dataclass
class _NamespaceBuilder:
    reads: dict[str, kv_rwset_pb2.KVRead] = field(default_factory=dict)
    writes: dict[str, kv_rwset_pb2.KVWrite] = field(default_factory=dict)
    metadata_writes: dict[str, kv_rwset_pb2.KVMetadataWrite] = field(default_factory=dict)
    range_queries: dict[tuple[str, str, bool], kv_rwset_pb2.RangeQueryInfo] = field(default_factory=dict)
    collections: dict[str, _CollectionBuilder] = field(default_factory=dict)

    def kvrwset(self) -> kv_rwset_pb2.KVRWSet:
        return kv_rwset_pb2.KVRWSet(
            reads=[self.reads[k] for k in sorted(self.reads, key=_byte_order)],
            range_queries_info=list(self.range_queries.values()),
            writes=[self.writes[k] for k in sorted(self.writes, key=_byte_order)],
            metadata_writes=[self.metadata_writes[k] for k in sorted(self.metadata_writes, key=_byte_order)],
        )


@dataclass(frozen=True)
class SimulationResults:
    """Public rwset (goes into the endorsement) and private rwset (disseminated, never ordered)."""

    public: rwset_pb2.TxReadWriteSet
    private: rwset_pb2.TxPvtReadWriteSet | None


class RWSetBuilder:
    """Accumulates a simulation's reads and writes; :meth:`build` yields Fabric-ordered protos."""

    def __init__(self) -> None:
        self._namespaces: dict[str, _NamespaceBuilder] = {}

    def _ns(self, namespace: str) -> _NamespaceBuilder:
        if not isinstance(namespace, str):
            raise TypeError(f"namespace must be str, got {type(namespace).__name__}")
        return self._namespaces.setdefault(namespace, _NamespaceBuilder())

    def _coll(self, namespace: str, collection: str) -> _CollectionBuilder:
        if not collection:
            raise ValueError("collection: must be non-empty for private data")
        return self._ns(namespace).collections.setdefault(collection, _CollectionBuilder())

    # -- public state -------------------------------------------------------------------------------
    def add_read(self, namespace: str, key: str, version: Version | None) -> None:
        """Record the committed version read (None = key absent)."""
        self._ns(namespace).reads[key] = make_kv_read(key, version)

    def has_read(self, namespace: str, key: str) -> bool:
        ns = self._namespaces.get(namespace)
        return ns is not None and key in ns.reads

    def add_write(self, namespace: str, key: str, value: bytes) -> None:
        """PutState; an empty value is recorded as a delete, exactly as Fabric does."""
        self._ns(namespace).writes[key] = make_kv_write(key, bytes(value))

    def add_delete(self, namespace: str, key: str) -> None:
        self.add_write(namespace, key, b"")

    def add_metadata_write(self, namespace: str, key: str, metadata: Mapping[str, bytes]) -> None:
        """The full metadata map for the key; at commit it replaces (not merges) the stored map."""
        self._ns(namespace).metadata_writes[key] = kv_rwset_pb2.KVMetadataWrite(
            key=key, entries=metadata_entries(metadata)
        )

    def add_range_query(self, namespace: str, info: kv_rwset_pb2.RangeQueryInfo) -> None:
        """Keep first-seen order; an identical (start, end, exhausted) query is recorded only once."""
        ident = (info.start_key, info.end_key, info.itr_exhausted)
        self._ns(namespace).range_queries.setdefault(ident, info)

    # -- private data (only hashes reach the public rwset) ---------------------------------------------
    def add_hashed_read(self, namespace: str, collection: str, key: str, version: Version | None) -> None:
        read = kv_rwset_pb2.KVReadHash(key_hash=key_hash(key))
        if version is not None:
            read.version.CopyFrom(version.to_proto())
        self._coll(namespace, collection).hashed_reads[key] = read

    def add_private_write(self, namespace: str, collection: str, key: str, value: bytes) -> None:
        """``AddToPvtAndHashedWriteSet``: private KVWrite plus its hash (no value hash for a delete)."""
        coll = self._coll(namespace, collection)
        write = make_kv_write(key, bytes(value))
        coll.private_writes[key] = write
        hashed = kv_rwset_pb2.KVWriteHash(key_hash=key_hash(key), is_delete=write.is_delete)
        if not write.is_delete:
            hashed.value_hash = value_hash(write.value)
        coll.hashed_writes[key] = hashed

    def add_private_delete(self, namespace: str, collection: str, key: str) -> None:
        self.add_private_write(namespace, collection, key, b"")

    def add_private_metadata_write(
        self, namespace: str, collection: str, key: str, metadata: Mapping[str, bytes]
    ) -> None:
        """``AddToHashedMetadataWriteSet``: entries only in the hashed rwset; the private one names the key."""
        coll = self._coll(namespace, collection)
        coll.private_metadata_writes[key] = kv_rwset_pb2.KVMetadataWrite(key=key)
        coll.hashed_metadata_writes[key] = kv_rwset_pb2.KVMetadataWriteHash(
            key_hash=key_hash(key), entries=metadata_entries(metadata)
        )

    # -- output -------------------------------------------------------------------------------------
    def build(self) -> SimulationResults:
        public = rwset_pb2.TxReadWriteSet(data_model=rwset_pb2.TxReadWriteSet.KV)
        private = rwset_pb2.TxPvtReadWriteSet(data_model=rwset_pb2.TxReadWriteSet.KV)
        for ns_name in sorted(self._namespaces, key=_byte_order):
            ns = self._namespaces[ns_name]
            ns_set = public.ns_rwset.add(namespace=ns_name, rwset=ns.kvrwset().SerializeToString())
            pvt_ns: rwset_pb2.NsPvtReadWriteSet | None = None
            for coll_name in sorted(ns.collections, key=_byte_order):
                coll = ns.collections[coll_name]
                hashed = ns_set.collection_hashed_rwset.add(
                    collection_name=coll_name, hashed_rwset=coll.hashed_rwset().SerializeToString()
                )
                if coll.has_private_data():
                    pvt_bytes = coll.private_kvrwset().SerializeToString()
                    hashed.pvt_rwset_hash = hashlib.sha256(pvt_bytes).digest()
                    if pvt_ns is None:
                        pvt_ns = private.ns_pvt_rwset.add(namespace=ns_name)
                    pvt_ns.collection_pvt_rwset.add(collection_name=coll_name, rwset=pvt_bytes)
        return SimulationResults(public=public, private=private if private.ns_pvt_rwset else None)

    def tx_rwset(self) -> rwset_pb2.TxReadWriteSet:
        return self.build().public
