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

from network.devnet.ledger.updates import Update, UpdateBatch


def uvarint(number: int) -> bytes:
    """Protobuf base-128 varint (``protowire.AppendVarint``)."""
    if 0 <= number < 0x80:
        return bytes((number,))
    out = bytearray()
    while True:
        byte = number & 0x7F
        number >>= 7
        if number:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


_TAGS = {number: uvarint(number << 3 | 2) for number in (1, 2, 3, 5, 6)}
"""Tags of the length-delimited fields of ``KVWrite`` (and of ``Updates.kvwrites``)."""


def _field_bytes(field_number: int, data: bytes) -> bytes:
    """Length-delimited field; proto3 omits empty strings/bytes."""
    if not data:
        return b""
    return _TAGS[field_number] + uvarint(len(data)) + data


_IS_DELETE = uvarint(4 << 3 | 0) + b"\x01"
_EMPTY_KV_WRITE = _TAGS[1] + b"\x00"


def kv_write_bytes(namespace: str, collection: str, key: bytes, update: Update) -> bytes:
    """One ``KVWrite``, fields in number order: namespace, collection, key, isDelete (= value is nil),
    value, version_bytes (``genKVs``); proto3 leaves out empty and false fields."""
    out = _field_bytes(3, key)
    if namespace or collection:
        out = _field_bytes(1, namespace.encode()) + _field_bytes(2, collection.encode()) + out
    if update.value is None:
        out += _IS_DELETE
    else:
        out += _field_bytes(5, update.value)
    return out + _field_bytes(6, update.version.to_bytes())


def _namespace_entries(ns: str, batch: UpdateBatch) -> list[tuple[str, bytes, Update]]:
    """(collection label, key, update): public updates sorted by key, then per collection (sorted) its
    hashed updates sorted by key hash, the collection named on its first entry only."""
    public = batch.public.get(ns, {})
    entries = [("", key, public[k]) for key, k in sorted((k.encode(), k) for k in public)]
    collections = batch.hashed.get(ns, {})
    for coll in sorted(collections, key=str.encode):
        updates = collections[coll]
        entries += [(coll if i == 0 else "", kh, updates[kh]) for i, kh in enumerate(sorted(updates))]
    return entries


def update_batch_bytes(batch: UpdateBatch) -> bytes:
    """``deterministicBytesForPubAndHashUpdates``: each KVWrite as field 1 of ``Updates`` (an all-default
    KVWrite still appears, with length 0)."""
    namespaces = sorted(set(batch.public) | set(batch.hashed), key=str.encode)
    out = bytearray()
    for ns in namespaces:
        if ns == "":
            continue  # channel config namespace: excluded in Fabric (it is a map-bearing proto)
        for i, (coll, key, update) in enumerate(_namespace_entries(ns, batch)):
            out += _field_bytes(1, kv_write_bytes(ns if i == 0 else "", coll, key, update)) or _EMPTY_KV_WRITE
    return bytes(out)


def compute_commit_hash(txfilter: bytes, batch_bytes: bytes, previous_commit_hash: bytes) -> bytes:
    """``addBlockCommitHash``."""
    value = uvarint(len(txfilter)) + txfilter + batch_bytes + previous_commit_hash
    return hashlib.sha256(value).digest()


def should_compute_commit_hash(block_number: int, previous_commit_hash: bytes) -> bool:
    """Only from block 1 on, for a peer that has been chaining since genesis (``kv_ledger.go`` ``commit``)."""
    return block_number == 1 or len(previous_commit_hash) != 0
