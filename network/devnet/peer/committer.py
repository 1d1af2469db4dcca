"""Validate-then-commit of one block (``core/committer/committer_impl.go`` ``CommitLegacy``).

The peer writes the TRANSACTIONS_FILTER (one TxValidationCode per transaction, computed by D1's
``validate_block``) into the block's metadata and then appends it to the ledger, which derives the state
updates from the VALID transactions and adds the commit hash. Validation and the SQLite commit run in a
worker thread so endorsements keep being served meanwhile; blocks of one channel are committed strictly
one after the other by the channel's single puller task.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import Any

from fabric_protos.common import common_pb2
from fabric_protos.peer import transaction_pb2

from network.devnet.node import jsonlog
from network.devnet.orderer.blocks import ensure_metadata_slots
from network.devnet.peer.channel import PeerChannel, private_data_for

log = logging.getLogger("devnet.peer.committer")


def default_validator() -> Any:
    from network.devnet.validation import validate_block_for_commit

    return validate_block_for_commit


def transactions_filter(codes: list[int], block: common_pb2.Block) -> bytes:
    if len(codes) != len(block.data.data):
        raise ValueError(f"validator returned {len(codes)} codes for {len(block.data.data)} transactions")
    return bytes(codes)


def validate_and_set_filter(block: common_pb2.Block, channel: PeerChannel, validate: Any) -> Any:
    """Run the validator and write its codes into the block; returns what it prepared for the ledger's
    commit (``validate_block_for_commit``'s ``PreparedCommit``), or None for a validator returning codes."""
    ensure_metadata_slots(block)
    outcome = validate(block, channel.bundle, channel.ledger)
    prepared = getattr(outcome, "prepared", None)
    codes = [int(code) for code in (outcome.codes if prepared is not None else outcome)]
    block.metadata.metadata[common_pb2.TRANSACTIONS_FILTER] = transactions_filter(codes, block)
    return prepared


def validate_and_commit(block: common_pb2.Block, channel: PeerChannel, validate: Any) -> list[str] | None:
    """Validation and the ledger commit in one worker-thread hop; returns the txids when known."""
    prepared = validate_and_set_filter(block, channel, validate)
    txids = [tx.txid for tx in prepared.txs] if prepared is not None else None
    private_data = private_data_for(block, channel.private_data_provider, txids)
    channel.ledger.commit(block, private_data, prepared=prepared)
    return txids


async def commit_block(channel: PeerChannel, block: common_pb2.Block, validate: Any) -> None:
    txids = await asyncio.to_thread(validate_and_commit, block, channel, validate)
    await channel.committed(block, txids)
    txfilter = block.metadata.metadata[common_pb2.TRANSACTIONS_FILTER]
    codes = {transaction_pb2.TxValidationCode.Name(c): n for c, n in Counter(txfilter).items()}
    jsonlog.event(
        log,
        "block committed",
        channel=channel.channel_id,
        number=block.header.number,
        txs=len(block.data.data),
        codes=dict(codes),
    )
