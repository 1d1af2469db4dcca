"""Block construction and hashing exactly as Fabric does it.

- Header hash: SHA-256 over the ASN.1 DER ``SEQUENCE{INTEGER number, OCTET STRING previous_hash,
  OCTET STRING data_hash}`` (``protoutil/blockutils.go`` ``BlockHeaderBytes``, ``BlockHeaderHash``).
- Data hash: SHA-256 of the plain concatenation of the envelope bytes (``ComputeBlockDataHash``).
- Metadata always has five slots, empty where unused (``NewBlock``, ``InitBlockMetadata``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from fabric_protos.common import common_pb2

METADATA_SLOTS = 5


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _der_integer(number: int) -> bytes:
    """Minimal two's-complement encoding of a non-negative integer (Go ``asn1.Marshal`` of a uint64)."""
    body = number.to_bytes(max(1, (number.bit_length() + 8) // 8), "big")
    return b"\x02" + _der_length(len(body)) + body


def _der_octets(data: bytes) -> bytes:
    return b"\x04" + _der_length(len(data)) + data


def block_header_bytes(header: common_pb2.BlockHeader) -> bytes:
    """The bytes that are hashed into the chain and signed by the orderer."""
    body = _der_integer(header.number) + _der_octets(header.previous_hash) + _der_octets(header.data_hash)
    return b"\x30" + _der_length(len(body)) + body


def block_header_hash(header: common_pb2.BlockHeader) -> bytes:
    return hashlib.sha256(block_header_bytes(header)).digest()


def block_data_hash(data: Sequence[bytes]) -> bytes:
    return hashlib.sha256(b"".join(data)).digest()


def new_block(number: int, previous_hash: bytes, envelopes: Sequence[bytes]) -> common_pb2.Block:
    """An unsigned block with its header filled in and five empty metadata slots."""
    block = common_pb2.Block()
    block.header.number = number
    block.header.previous_hash = previous_hash
    block.header.data_hash = block_data_hash(envelopes)
    block.data.data.extend(envelopes)
    block.metadata.metadata.extend([b""] * METADATA_SLOTS)
    return block


def ensure_metadata_slots(block: common_pb2.Block) -> None:
    """Pad metadata to five slots, as ``InitBlockMetadata`` does before anyone writes into it."""
    while len(block.metadata.metadata) < METADATA_SLOTS:
        block.metadata.metadata.append(b"")


def envelope_header(envelope: common_pb2.Envelope) -> tuple[common_pb2.Payload, common_pb2.ChannelHeader]:
    """Decode payload and channel header; raises ValueError naming the broken part."""
    try:
        payload = common_pb2.Payload.FromString(envelope.payload)
    except Exception as exc:  # protobuf raises DecodeError, a subclass of Exception
        raise ValueError(f"envelope.payload: cannot decode: {exc}") from exc
    if not payload.HasField("header"):
        raise ValueError("envelope.payload.header: missing")
    try:
        chdr = common_pb2.ChannelHeader.FromString(payload.header.channel_header)
    except Exception as exc:
        raise ValueError(f"payload.header.channel_header: cannot decode: {exc}") from exc
    return payload, chdr


def is_config_block(block: common_pb2.Block) -> bool:
    """A config block holds exactly one envelope of type CONFIG (``protoutil.IsConfigBlock``)."""
    if len(block.data.data) != 1:
        return False
    try:
        _, chdr = envelope_header(common_pb2.Envelope.FromString(block.data.data[0]))
    except Exception:
        return False
    return chdr.type == common_pb2.CONFIG


def last_config_index(block: common_pb2.Block) -> int:
    """Read idx 0 (OrdererBlockMetadata) first, falling back to LAST_CONFIG (``GetLastConfigIndexFromBlock``)."""
    md = block.metadata.metadata
    if len(md) > common_pb2.SIGNATURES and md[common_pb2.SIGNATURES]:
        meta = common_pb2.Metadata.FromString(md[common_pb2.SIGNATURES])
        if meta.value:
            return common_pb2.OrdererBlockMetadata.FromString(meta.value).last_config.index
    if len(md) > common_pb2.LAST_CONFIG and md[common_pb2.LAST_CONFIG]:
        meta = common_pb2.Metadata.FromString(md[common_pb2.LAST_CONFIG])
        return common_pb2.LastConfig.FromString(meta.value).index
    raise ValueError(f"block {block.header.number}: no last-config metadata")
