"""Checks a peer applies to every block pulled from the orderer before it is validated and committed.

``internal/pkg/peer/blocksprovider/deliverer.go`` hands each block to the channel's block verifier
(``common/deliverclient/block_verification.go`` ``VerifyBlock``/``VerifyBlockHash``; ``protoutil/blockutils.go``
``BlockSignatureVerifier``): the block must be the next one, chain to its predecessor's header hash, carry
a data hash matching its data, hold only well-formed envelopes, and its SIGNATURES metadata must satisfy
``/Channel/Orderer/BlockValidation`` with ``SignedData{data = value || signature_header || header_bytes,
identity = signature_header.creator}``.
"""

from __future__ import annotations

from typing import Any

from fabric_protos.common import common_pb2

from network.devnet.orderer.blocks import block_data_hash, block_header_bytes, block_header_hash
from network.devnet.policy import SignedData

BLOCK_VALIDATION_POLICY = "/Channel/Orderer/BlockValidation"


class BlockVerificationError(Exception):
    """A block the peer must not commit; the puller drops the connection and tries again."""


def check_block_number(block: common_pb2.Block, expected: int) -> None:
    if block.header.number != expected:
        raise BlockVerificationError(f"block.header.number: expected {expected}, got {block.header.number}")


def check_previous_hash(block: common_pb2.Block, previous: common_pb2.BlockHeader) -> None:
    if block.header.previous_hash != block_header_hash(previous):
        raise BlockVerificationError(f"block {block.header.number}: header.previous_hash does not chain")


def check_data_hash(block: common_pb2.Block) -> None:
    if block.header.data_hash != block_data_hash(block.data):
        raise BlockVerificationError(f"block {block.header.number}: header.data_hash does not match data")


def check_envelopes_well_formed(block: common_pb2.Block) -> None:
    """Each entry must be an Envelope with payload and signature and no extra bytes
    (``protoutil.VerifyTransactionsAreWellFormed``; config blocks are exempt)."""
    if len(block.data.data) == 1:
        try:
            env = common_pb2.Envelope.FromString(block.data.data[0])
            chdr = common_pb2.ChannelHeader.FromString(common_pb2.Payload.FromString(env.payload).header.channel_header)
            if chdr.type == common_pb2.CONFIG:
                return
        except Exception:
            pass
    for index, raw in enumerate(block.data.data):
        try:
            env = common_pb2.Envelope.FromString(raw)
        except Exception as exc:
            raise BlockVerificationError(f"block {block.header.number} data[{index}]: not an envelope") from exc
        if not env.payload or not env.signature:
            raise BlockVerificationError(f"block {block.header.number} data[{index}]: empty payload or signature")
        if env.SerializeToString() != raw:
            raise BlockVerificationError(f"block {block.header.number} data[{index}]: trailing or non-canonical bytes")


def block_signed_data(block: common_pb2.Block) -> list[Any]:
    md = block.metadata.metadata
    if len(md) <= common_pb2.SIGNATURES or not md[common_pb2.SIGNATURES]:
        raise BlockVerificationError(f"block {block.header.number}: no SIGNATURES metadata")
    meta = common_pb2.Metadata.FromString(md[common_pb2.SIGNATURES])
    header_bytes = block_header_bytes(block.header)
    signed = []
    for sig in meta.signatures:
        shdr = common_pb2.SignatureHeader.FromString(sig.signature_header)
        signed.append(
            SignedData(
                data=meta.value + sig.signature_header + header_bytes, identity=shdr.creator, signature=sig.signature
            )
        )
    return signed


def check_orderer_signatures(block: common_pb2.Block, bundle: Any) -> None:
    if not bundle.policy(BLOCK_VALIDATION_POLICY).evaluate(block_signed_data(block)):
        raise BlockVerificationError(
            f"block {block.header.number}: signatures do not satisfy {BLOCK_VALIDATION_POLICY}"
        )


def verify_pulled_block(block: common_pb2.Block, previous: common_pb2.BlockHeader, bundle: Any) -> None:
    """All checks, cheapest first."""
    check_block_number(block, previous.number + 1)
    check_previous_hash(block, previous)
    check_data_hash(block)
    check_envelopes_well_formed(block)
    check_orderer_signatures(block, bundle)
