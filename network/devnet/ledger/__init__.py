"""Ledger: rwset building, block store, world state, history and txid index for one channel."""

from network.devnet.ledger.rangequery import RangeQueryRecorder, build_range_query_info
from network.devnet.ledger.rwset import RWSetBuilder, SimulationResults
from network.devnet.ledger.store import Ledger, LedgerError
from network.devnet.ledger.version import KeyModification, Version, VersionedValue

__all__ = [
    "KeyModification",
    "Ledger",
    "LedgerError",
    "RWSetBuilder",
    "RangeQueryRecorder",
    "SimulationResults",
    "Version",
    "VersionedValue",
    "build_range_query_info",
]
