"""Turning valid transactions' rwsets into state updates (``core/ledger/kvledger/txmgmt/validation/tx_ops.go``).

Rules (Fabric ``prepareTxOps`` / ``applyTxRwset``):

* a value write keeps the key's existing metadata (latest from earlier txs in the block, else committed);
* a delete removes value and metadata;
* a metadata write *replaces* the whole metadata map; empty entries delete it;
* a metadata-only write to a key that does not exist is dropped;
* each applied key gets version (block_num, tx_num) of the transaction.

Hashed private writes follow the same rules keyed by key hash, with the value hash as value.
The batch is built transaction by transaction, so the validator can use it to see which keys earlier valid
transactions of the same block wrote (MVCC).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Protocol

from fabric_protos.ledger.rwset.kvrwset import kv_rwset_pb2

from network.devnet.ledger.parsedrwset import ParsedRWSet
from network.devnet.ledger.version import Version, VersionedValue


class StateReader(Protocol):
    def get_state(self, namespace: str, key: str) -> VersionedValue | None: ...

    def get_private_hash(self, namespace: str, collection: str, key_hash: bytes) -> VersionedValue | None: ...


@dataclass(frozen=True)
class Update:
    """A key's state after the block: ``value is None`` means deleted."""

    value: bytes | None
    version: Version
    metadata: dict[str, bytes]


@dataclass
class UpdateBatch:
    public: dict[str, dict[str, Update]] = field(default_factory=dict)
    hashed: dict[str, dict[str, dict[bytes, Update]]] = field(default_factory=dict)

    def get_public(self, namespace: str, key: str) -> Update | None:
        return self.public.get(namespace, {}).get(key)

    def get_hashed(self, namespace: str, collection: str, key_hash: bytes) -> Update | None:
        return self.hashed.get(namespace, {}).get(collection, {}).get(key_hash)

    def put_public(self, namespace: str, key: str, update: Update) -> None:
        self.public.setdefault(namespace, {})[key] = update

    def put_hashed(self, namespace: str, collection: str, key_hash: bytes, update: Update) -> None:
        self.hashed.setdefault(namespace, {}).setdefault(collection, {})[key_hash] = update


@dataclass
class _KeyOps:
    upsert: bytes | None = None
    delete: bool = False
    metadata_set: bool = False
    metadata: dict[str, bytes] = field(default_factory=dict)


def entries_to_dict(entries: list[kv_rwset_pb2.KVMetadataEntry]) -> dict[str, bytes]:
    return {e.name: bytes(e.value) for e in entries}


def collect_tx_ops(tx_rwset: ParsedRWSet) -> dict[tuple[str, str, bytes | str], _KeyOps]:
    """``applyTxRwset``: writes first, then metadata writes, per namespace and collection."""
    ops: dict[tuple[str, str, bytes | str], _KeyOps] = {}
    for ns_set in tx_rwset.namespaces:
        ns = ns_set.namespace
        kv = ns_set.kv
        for w in kv.writes:
            op = ops.setdefault((ns, "", w.key), _KeyOps())
            if w.is_delete:
                op.delete = True
            else:
                op.upsert = bytes(w.value)
        for mw in kv.metadata_writes:
            op = ops.setdefault((ns, "", mw.key), _KeyOps())
            op.metadata_set, op.metadata = True, entries_to_dict(list(mw.entries))
        for coll in ns_set.collections:
            hashed = coll.hashed
            for hw in hashed.hashed_writes:
                op = ops.setdefault((ns, coll.name, bytes(hw.key_hash)), _KeyOps())
                if hw.is_delete:
                    op.delete = True
                else:
                    op.upsert = bytes(hw.value_hash)
            for hmw in hashed.metadata_writes:
                op = ops.setdefault((ns, coll.name, bytes(hmw.key_hash)), _KeyOps())
                op.metadata_set, op.metadata = True, entries_to_dict(list(hmw.entries))
    return ops


def _latest(
    batch: UpdateBatch, reader: StateReader, ns: str, coll: str, key: bytes | str
) -> tuple[bytes | None, dict[str, bytes]]:
    """Latest value and metadata: earlier updates in this block first, else committed state."""
    if coll == "":
        assert isinstance(key, str)
        upd = batch.get_public(ns, key)
        if upd is not None:
            return upd.value, upd.metadata
        vv = reader.get_state(ns, key)
    else:
        assert isinstance(key, bytes)
        upd = batch.get_hashed(ns, coll, key)
        if upd is not None:
            return upd.value, upd.metadata
        vv = reader.get_private_hash(ns, coll, key)
    return (vv.value, dict(vv.metadata)) if vv is not None else (None, {})


def apply_tx_rwset(batch: UpdateBatch, reader: StateReader, tx_rwset: ParsedRWSet, version: Version) -> None:
    """Apply one VALID transaction's writes to the block's update batch (``prepareTxOps`` + ``applyTxOps``)."""
    for (ns, coll, key), op in collect_tx_ops(tx_rwset).items():
        update = resolve_key_op(op, version, partial(_latest, batch, reader, ns, coll, key))
        if update is None:
            continue
        if coll == "":
            assert isinstance(key, str)
            batch.put_public(ns, key, update)
        else:
            assert isinstance(key, bytes)
            batch.put_hashed(ns, coll, key, update)


def resolve_key_op(
    op: _KeyOps, version: Version, latest: Callable[[], tuple[bytes | None, dict[str, bytes]]]
) -> Update | None:
    """Final state of one key after one transaction; None = dropped (metadata write on an absent key).

    ``latest`` is only consulted when the transaction did not fix both value and metadata, mirroring
    Fabric's lazy lookups in ``prepareTxOps``.
    """
    if op.delete:
        return Update(None, version, {})
    if op.upsert is not None and op.metadata_set:
        return Update(op.upsert, version, dict(op.metadata))
    value, metadata = latest()
    if op.upsert is not None:
        return Update(op.upsert, version, dict(metadata))
    if value is None:
        return None
    return Update(value, version, dict(op.metadata))
