"""Versions and versioned values of the world state.

A version is the *height* of the transaction that last wrote a key: (block number, index of the transaction
in its block) (``core/ledger/internal/version/version.go`` ``Height``). Heights order lexicographically and
serialise with Fabric's order-preserving varint (``ToBytes`` ->
``common/ledger/util/util.go`` ``EncodeOrderPreservingVarUint64``), which the commit hash depends on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fabric_protos.ledger.rwset.kvrwset import kv_rwset_pb2


def encode_order_preserving_varuint64(number: int) -> bytes:
    """One length byte (count of significant big-endian bytes, 0..8) followed by those bytes; 0 -> b"\\x00"."""
    if not 0 <= number < 1 << 64:
        raise ValueError(f"number out of uint64 range: {number}")
    significant = number.to_bytes(8, "big").lstrip(b"\x00")
    return bytes([len(significant)]) + significant


def decode_order_preserving_varuint64(data: bytes) -> tuple[int, int]:
    """Inverse of :func:`encode_order_preserving_varuint64`; returns (number, bytes consumed)."""
    if not data:
        raise ValueError("empty order-preserving varint")
    size = data[0]
    if size > 8 or len(data) < 1 + size:
        raise ValueError("malformed order-preserving varint")
    return int.from_bytes(data[1 : 1 + size], "big"), 1 + size


@dataclass(frozen=True, order=True)
class Version:
    """Height (block_num, tx_num) of the transaction that last wrote a key."""

    block_num: int
    tx_num: int

    def to_bytes(self) -> bytes:
        return encode_order_preserving_varuint64(self.block_num) + encode_order_preserving_varuint64(self.tx_num)

    @classmethod
    def from_bytes(cls, data: bytes) -> Version:
        block_num, used = decode_order_preserving_varuint64(data)
        tx_num, used2 = decode_order_preserving_varuint64(data[used:])
        if used + used2 != len(data):
            raise ValueError("trailing bytes after version")
        return cls(block_num, tx_num)

    def to_proto(self) -> kv_rwset_pb2.Version:
        return kv_rwset_pb2.Version(block_num=self.block_num, tx_num=self.tx_num)

    @classmethod
    def from_proto(cls, proto: kv_rwset_pb2.Version) -> Version:
        return cls(proto.block_num, proto.tx_num)


def version_of_read(read: kv_rwset_pb2.KVRead | kv_rwset_pb2.KVReadHash) -> Version | None:
    """A read of an absent key carries no version at all (``rwset_proto_util.go`` ``NewKVRead``)."""
    return Version.from_proto(read.version) if read.HasField("version") else None


@dataclass(frozen=True)
class VersionedValue:
    """A committed value with its version and its metadata map (e.g. ``VALIDATION_PARAMETER``)."""

    value: bytes
    version: Version
    metadata: dict[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class KeyModification:
    """One entry of a key's history (``peer/chaincode_shim.proto`` ``KeyModification`` without the proto)."""

    tx_id: str
    value: bytes
    timestamp_seconds: int
    timestamp_nanos: int
    is_delete: bool
    block_num: int
    tx_num: int
