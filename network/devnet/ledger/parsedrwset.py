"""A transaction's public read-write set decoded once, down to every namespace's KVRWSet and every
collection's HashedRWSet.

The rwset travels as nested bytes (``TxReadWriteSet.ns_rwset[i].rwset`` is a serialized ``KVRWSet``, each
``collection_hashed_rwset[j].hashed_rwset`` a serialized ``HashedRWSet``). Validation must decode all of
them anyway (an undecodable one is BAD_RWSET, ``rwsetutil.TxRwSetFromProtoMsg``), and the namespace
checks, endorsement policy, MVCC, update batch and history all read them afterwards; decoding once and
passing the decoded form gives each of them the very same messages.
"""

from __future__ import annotations

from dataclasses import dataclass

from fabric_protos.ledger.rwset import rwset_pb2
from fabric_protos.ledger.rwset.kvrwset import kv_rwset_pb2


@dataclass(frozen=True)
class CollectionRWSet:
    name: str
    hashed: kv_rwset_pb2.HashedRWSet
    pvt_rwset_hash: bytes


@dataclass(frozen=True)
class NamespaceRWSet:
    namespace: str
    kv: kv_rwset_pb2.KVRWSet
    collections: tuple[CollectionRWSet, ...]


@dataclass(frozen=True)
class ParsedRWSet:
    """``namespaces`` in the order of ``proto.ns_rwset`` (a repeated namespace stays repeated)."""

    proto: rwset_pb2.TxReadWriteSet
    namespaces: tuple[NamespaceRWSet, ...]


def parse_tx_rwset(tx_rwset: rwset_pb2.TxReadWriteSet) -> ParsedRWSet:
    """Decode every nested set; raises ``DecodeError`` if any of them does not decode."""
    namespaces = tuple(
        NamespaceRWSet(
            ns.namespace,
            kv_rwset_pb2.KVRWSet.FromString(ns.rwset),
            tuple(
                CollectionRWSet(
                    coll.collection_name,
                    kv_rwset_pb2.HashedRWSet.FromString(coll.hashed_rwset),
                    bytes(coll.pvt_rwset_hash),
                )
                for coll in ns.collection_hashed_rwset
            ),
        )
        for ns in tx_rwset.ns_rwset
    )
    return ParsedRWSet(tx_rwset, namespaces)


def parse_rwset_bytes(data: bytes) -> ParsedRWSet:
    """``ChaincodeAction.results`` -> :class:`ParsedRWSet`; raises ``DecodeError``."""
    return parse_tx_rwset(rwset_pb2.TxReadWriteSet.FromString(data))
