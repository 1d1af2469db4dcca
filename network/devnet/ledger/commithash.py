"""The commit hash a peer chains through its blocks (``core/ledger/kvledger/kv_ledger.go`` ``addBlockCommitHash``).

::

    commit_hash = SHA-256( uvarint(len(txfilter)) || txfilter || update_batch_bytes || previous_commit_hash )

``update_batch_bytes`` is the marshalled private proto ``txmgr.Updates{repeated KVWrite kvwrites = 1}`` with
``KVWrite{string namespace=1; string collection=2; bytes key=3; bool isDelete=4; bytes value=5;
bytes version_bytes=6}`` built by ``txmgr/update_batch_bytes.go`` ``deterministicBytesForPubAndHashUpdates``:
namespaces sorted (the empty channel-config namespace skipped); per namespace public updates sorted by key,
then each collection (sorted) with its hashed updates sorted by key hash; ``namespace`` is set only on the
first entry of a namespace, ``collection`` only on the first entry of a collection; metadata is excluded.
The proto is not in the wheel, so the (simple, deterministic) wire encoding is written out here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from network.devnet.ledger.updates import Update, UpdateBatch


def uvarint(number: int) -> bytes:
    """Protobuf base-128 varint (``protowire.AppendVarint``)."""
    out = bytearray()
    while True:
        byte = number & 0x7F
        number >>= 7
        if number:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field_bytes(field_number: int, data: bytes) -> bytes:
    """Length-delimited field; proto3 omits empty strings/bytes."""
    if not data:
        return b""
    return uvarint(field_number << 3 | 2) + uvarint(len(data)) + data


@dataclass(frozen=True)
class CommitHashKVWrite:
    namespace: str
    collection: str
    key: bytes
    is_delete: bool
    value: bytes
    version_bytes: bytes

    def encode(self) -> bytes:
        out = _field_bytes(1, self.namespace.encode()) + _field_bytes(2, self.collection.encode())
        out += _field_bytes(3, self.key)
        if self.is_delete:
            out += uvarint(4 << 3 | 0) + b"\x01"
        out += _field_bytes(5, self.value) + _field_bytes(6, self.version_bytes)
        return out


def _kv_writes(updates: dict[bytes, Update]) -> list[CommitHashKVWrite]:
    """``genKVs``: keys sorted bytewise; ``isDelete`` = value is nil."""
    return [
        CommitHashKVWrite(
            "", "", key, updates[key].value is None, updates[key].value or b"", updates[key].version.to_bytes()
        )
        for key in sorted(updates)
    ]


def _with_namespace(w: CommitHashKVWrite, namespace: str) -> CommitHashKVWrite:
    return CommitHashKVWrite(namespace, w.collection, w.key, w.is_delete, w.value, w.version_bytes)


def _with_collection(w: CommitHashKVWrite, collection: str) -> CommitHashKVWrite:
    return CommitHashKVWrite(w.namespace, collection, w.key, w.is_delete, w.value, w.version_bytes)


def update_batch_bytes(batch: UpdateBatch) -> bytes:
    """``deterministicBytesForPubAndHashUpdates``."""
    namespaces = sorted(set(batch.public) | set(batch.hashed), key=str.encode)
    out = bytearray()
    for ns in namespaces:
        if ns == "":
            continue  # channel config namespace: excluded in Fabric (it is a map-bearing proto)
        public = {k.encode(): u for k, u in batch.public.get(ns, {}).items()}
        writes = _kv_writes(public)
        collections = batch.hashed.get(ns, {})
        for coll in sorted(collections, key=str.encode):
            coll_writes = _kv_writes(collections[coll])
            if coll_writes:
                coll_writes[0] = _with_collection(coll_writes[0], coll)
            writes.extend(coll_writes)
        if not writes:
            continue
        writes[0] = _with_namespace(writes[0], ns)
        for w in writes:
            out += _field_bytes(1, w.encode()) or uvarint(1 << 3 | 2) + b"\x00"
    return bytes(out)


def compute_commit_hash(txfilter: bytes, batch_bytes: bytes, previous_commit_hash: bytes) -> bytes:
    """``addBlockCommitHash``."""
    value = uvarint(len(txfilter)) + txfilter + batch_bytes + previous_commit_hash
    return hashlib.sha256(value).digest()


def should_compute_commit_hash(block_number: int, previous_commit_hash: bytes) -> bool:
    """Only from block 1 on, for a peer that has been chaining since genesis (``kv_ledger.go`` ``commit``)."""
    return block_number == 1 or len(previous_commit_hash) != 0
