"""Ledger: rwset building, block store, world state, history and txid index for one channel."""
