"""Transaction IDs: Fabric binds a txid to its creator so nobody can replay another's nonce.

``tx_id = hex(SHA-256(nonce || creator))`` with a 24-byte CSPRNG nonce (``protoutil/proputils.go``
``ComputeTxID``; ``protoutil/commonutils.go`` ``getRandomNonce``). Peers recompute it and refuse a mismatch.
"""

from __future__ import annotations

import hashlib
import os

NONCE_SIZE = 24


def new_nonce() -> bytes:
    return os.urandom(NONCE_SIZE)


def compute_txid(nonce: bytes, creator: bytes) -> str:
    return hashlib.sha256(nonce + creator).hexdigest()
