"""What validation already derived for a block, handed to :meth:`Ledger.commit` so it is not derived twice.

Fabric's committer validates a block and the ledger then re-reads its transactions to build the update
batch (``core/ledger/kvledger/txmgmt/txmgr/lockbased_txmgr.go`` ``ValidateAndPrepare`` keeps the batch
from MVCC validation for the commit that follows; ``Commit`` only writes it). The devnet ledger does the
same: the batch built by the MVCC pass, the transactions' ids, timestamps and rwsets are handed over.

They are only used when they are provably what the ledger would compute itself (:func:`usable_for`):
the block number and TRANSACTIONS_FILTER are the ones the batch was built for, and the ledger's height has
not moved since validation read committed state (heights only grow, one commit at a time, so an unchanged
height means an unchanged state). Otherwise the ledger recomputes everything from the block.
"""

from __future__ import annotations

from dataclasses import dataclass

from network.devnet.ledger.blockparse import TxSummary
from network.devnet.ledger.updates import UpdateBatch


@dataclass(frozen=True)
class PreparedCommit:
    """``state_height``: ledger height when validation started reading committed state."""

    block_num: int
    state_height: int
    txfilter: bytes
    txs: list[TxSummary]
    batch: UpdateBatch


def usable_for(prepared: PreparedCommit | None, block_num: int, height: int, txfilter: bytes) -> bool:
    """True when the prepared batch equals what the ledger would build for this block right now."""
    return (
        prepared is not None
        and prepared.block_num == block_num == height == prepared.state_height
        and prepared.txfilter == txfilter
        and len(prepared.txs) == len(txfilter)
    )
