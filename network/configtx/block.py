"""Blocks: header hash, data hash, metadata and the channel genesis block (sections 6 and 7.2).

- ``BlockHeaderBytes`` is the DER encoding of ``SEQUENCE{INTEGER number, OCTET STRING previous_hash,
  OCTET STRING data_hash}`` (``protoutil/blockutils.go`` ``BlockHeaderBytes``, via Go's ``encoding/asn1``);
  the block hash is its SHA-256.
- ``data_hash`` is SHA-256 over the plain concatenation of the envelope bytes (``ComputeBlockDataHash``).
- The genesis block follows ``common/genesis/genesis.go`` ``(*factory).Block``: a CONFIG envelope with an
  empty creator and no signature, header version 1, timestamp with zero nanos, tx id = hex(SHA-256(nonce)).
"""

from __future__ import annotations

import hashlib
import os
import time

from fabric_protos.common import common_pb2, configtx_pb2

NONCE_SIZE = 24
METADATA_SLOTS = 5  # SIGNATURES, LAST_CONFIG, TRANSACTIONS_FILTER, ORDERER, COMMIT_HASH


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _der(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _der_length(len(content)) + content


def _der_unsigned_integer(value: int) -> bytes:
    """Minimal two's-complement encoding of a non-negative integer (a leading 0x00 keeps it positive)."""
    if value < 0:
        raise ValueError("block numbers are unsigned")
    body = value.to_bytes(value.bit_length() // 8 + 1, "big")
    return _der(0x02, body)


def block_header_bytes(header: common_pb2.BlockHeader) -> bytes:
    """What the orderer signs in a block's SIGNATURES metadata, and what the header hash is taken over."""
    content = (
        _der_unsigned_integer(header.number)
        + _der(0x04, bytes(header.previous_hash))
        + _der(0x04, bytes(header.data_hash))
    )
    return _der(0x30, content)


def block_header_hash(header: common_pb2.BlockHeader) -> bytes:
    """What the next block's ``previous_hash`` must be."""
    return hashlib.sha256(block_header_bytes(header)).digest()


def block_data_hash(data: common_pb2.BlockData) -> bytes:
    """What ``header.data_hash`` must be; the one implementation the bootstrap and devnet's nodes share."""
    return hashlib.sha256(b"".join(bytes(d) for d in data.data)).digest()


def channel_header(channel_id: str, header_type: int, tx_id: str, timestamp_seconds: int) -> common_pb2.ChannelHeader:
    chdr = common_pb2.ChannelHeader(type=header_type, version=1, channel_id=channel_id, tx_id=tx_id, epoch=0)
    chdr.timestamp.seconds = timestamp_seconds  # nanos stay 0 (protoutil.MakeChannelHeader)
    return chdr


def config_tx_id(nonce: bytes) -> str:
    """``ComputeTxID(nonce, creator)`` with the empty creator of a genesis config transaction."""
    return hashlib.sha256(nonce + b"").hexdigest()


def genesis_envelope(
    channel_id: str,
    channel_group: configtx_pb2.ConfigGroup,
    *,
    nonce: bytes | None = None,
    timestamp: int | None = None,
) -> common_pb2.Envelope:
    nonce = nonce if nonce is not None else os.urandom(NONCE_SIZE)
    seconds = timestamp if timestamp is not None else int(time.time())
    chdr = channel_header(channel_id, common_pb2.CONFIG, config_tx_id(nonce), seconds)
    shdr = common_pb2.SignatureHeader(creator=b"", nonce=nonce)
    config = configtx_pb2.ConfigEnvelope(config=configtx_pb2.Config(sequence=0, channel_group=channel_group))
    payload = common_pb2.Payload(
        header=common_pb2.Header(
            channel_header=chdr.SerializeToString(deterministic=True),
            signature_header=shdr.SerializeToString(deterministic=True),
        ),
        data=config.SerializeToString(deterministic=True),
    )
    return common_pb2.Envelope(payload=payload.SerializeToString(deterministic=True), signature=b"")


def genesis_metadata() -> common_pb2.BlockMetadata:
    """Five slots; SIGNATURES holds an unsigned OrdererBlockMetadata with last_config 0, LAST_CONFIG index 0."""
    last_config = common_pb2.LastConfig(index=0)
    orderer_md = common_pb2.OrdererBlockMetadata(last_config=last_config)
    signatures = common_pb2.Metadata(value=orderer_md.SerializeToString(deterministic=True))
    last = common_pb2.Metadata(value=last_config.SerializeToString(deterministic=True))
    slots = [b""] * METADATA_SLOTS
    slots[common_pb2.SIGNATURES] = signatures.SerializeToString(deterministic=True)
    slots[common_pb2.LAST_CONFIG] = last.SerializeToString(deterministic=True)
    return common_pb2.BlockMetadata(metadata=slots)


def genesis_block(
    channel_id: str,
    channel_group: configtx_pb2.ConfigGroup,
    *,
    nonce: bytes | None = None,
    timestamp: int | None = None,
) -> common_pb2.Block:
    """Block 0 of a channel, ready for the orderer's channel participation API."""
    envelope = genesis_envelope(channel_id, channel_group, nonce=nonce, timestamp=timestamp)
    data = common_pb2.BlockData(data=[envelope.SerializeToString(deterministic=True)])
    header = common_pb2.BlockHeader(number=0, previous_hash=b"", data_hash=block_data_hash(data))
    return common_pb2.Block(header=header, data=data, metadata=genesis_metadata())
