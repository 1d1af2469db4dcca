"""Block construction and hashing exactly as Fabric does it.

- Header and data hash: the bootstrap's :mod:`network.configtx.block` (``protoutil/blockutils.go``
  ``BlockHeaderBytes``, ``BlockHeaderHash``, ``ComputeBlockDataHash``), re-exported here for the nodes.
- Metadata always has five slots, empty where unused (``NewBlock``, ``InitBlockMetadata``).
"""

from __future__ import annotations

from collections.abc import Sequence

from fabric_protos.common import common_pb2

from network.configtx.block import METADATA_SLOTS, block_data_hash, block_header_bytes, block_header_hash

__all__ = ["block_header_bytes", "block_header_hash", "block_data_hash", "new_block"]


def new_block(number: int, previous_hash: bytes, envelopes: Sequence[bytes]) -> common_pb2.Block:
    """An unsigned block with its header filled in and five empty metadata slots."""
    block = common_pb2.Block()
    block.header.number = number
    block.header.previous_hash = previous_hash
    block.data.data.extend(envelopes)
    block.header.data_hash = block_data_hash(block.data)
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
