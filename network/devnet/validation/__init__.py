"""Block validation of the devnet peer: TRANSACTIONS_FILTER codes exactly as Fabric assigns them."""

from network.devnet.ledger.commithash import compute_commit_hash, update_batch_bytes
from network.devnet.validation.block import (
    BlockValidation,
    BlockValidationError,
    TxResult,
    validate_block,
    validate_block_for_commit,
    validate_block_results,
)

__all__ = [
    "BlockValidation",
    "BlockValidationError",
    "TxResult",
    "compute_commit_hash",
    "update_batch_bytes",
    "validate_block",
    "validate_block_for_commit",
    "validate_block_results",
]
