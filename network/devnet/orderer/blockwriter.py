"""Turning a batch of envelopes into the next signed block of the chain.

Follows ``orderer/common/multichannel/blockwriter.go``: ``CreateNextBlock`` chains the header to the previous
block's header hash; ``addBlockSignature`` writes SIGNATURES = ``Metadata{value=OrdererBlockMetadata{
last_config, consenter_metadata}, signatures=[MetadataSignature]}`` where the signature covers
``value || signature_header || BlockHeaderBytes(header)``; ``addLastConfig`` still writes LAST_CONFIG.
The consenter metadata is etcdraft's ``BlockMetadata{consenter_ids, next_consenter_id, raft_index}``
(``orderer/consensus/etcdraft/chain.go``); a single-node devnet orderer is consenter 1 and uses the
raft index as the position of the last envelope in its write-ahead log, which is what makes crash recovery
possible (see :mod:`network.devnet.orderer.wal`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fabric_protos.common import common_pb2
from fabric_protos.orderer.etcdraft import metadata_pb2 as raftmd

from gateway.client.identity import Signer
from gateway.client.txid import new_nonce
from network.devnet.orderer.blocks import block_header_bytes, block_header_hash, new_block


@dataclass(frozen=True)
class OrdererSigner:
    """The orderer's serialized identity and its signing function."""

    creator: bytes
    sign: Signer


def raft_metadata(raft_index: int) -> bytes:
    return raftmd.BlockMetadata(consenter_ids=[1], next_consenter_id=2, raft_index=raft_index).SerializeToString()


def raft_index_of(block: common_pb2.Block) -> int:
    """The raft index recorded in a block we signed; 0 for the genesis block (which carries none)."""
    md = block.metadata.metadata
    if len(md) <= common_pb2.SIGNATURES or not md[common_pb2.SIGNATURES]:
        return 0
    meta = common_pb2.Metadata.FromString(md[common_pb2.SIGNATURES])
    if not meta.value:
        return 0
    obm = common_pb2.OrdererBlockMetadata.FromString(meta.value)
    if not obm.consenter_metadata:
        return 0
    consenter = common_pb2.Metadata.FromString(obm.consenter_metadata)
    return raftmd.BlockMetadata.FromString(consenter.value).raft_index


def sign_block(block: common_pb2.Block, signer: OrdererSigner, last_config: int, consenter_metadata: bytes) -> None:
    """Fill SIGNATURES and LAST_CONFIG in place (``addBlockSignature``, ``addLastConfig``)."""
    obm = common_pb2.OrdererBlockMetadata(
        last_config=common_pb2.LastConfig(index=last_config),
        consenter_metadata=common_pb2.Metadata(value=consenter_metadata).SerializeToString(),
    )
    value = obm.SerializeToString()
    sig_header = common_pb2.SignatureHeader(creator=signer.creator, nonce=new_nonce()).SerializeToString()
    signature = signer.sign(value + sig_header + block_header_bytes(block.header))
    block.metadata.metadata[common_pb2.SIGNATURES] = common_pb2.Metadata(
        value=value,
        signatures=[common_pb2.MetadataSignature(signature_header=sig_header, signature=signature)],
    ).SerializeToString()
    block.metadata.metadata[common_pb2.LAST_CONFIG] = common_pb2.Metadata(
        value=common_pb2.LastConfig(index=last_config).SerializeToString()
    ).SerializeToString()


def next_block(
    previous: common_pb2.Block,
    envelopes: Sequence[bytes],
    signer: OrdererSigner,
    last_config: int,
    raft_index: int,
) -> common_pb2.Block:
    """The signed successor of ``previous`` holding ``envelopes``."""
    block = new_block(previous.header.number + 1, block_header_hash(previous.header), envelopes)
    sign_block(block, signer, last_config, raft_metadata(raft_index))
    return block
