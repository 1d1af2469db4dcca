"""World-state key layout.

Every key is a Fabric composite key (``"\\x00" + type + "\\x00" + attr + "\\x00" ...``, vendored
``fabric-chaincode-go/v2/shim/stub.go`` ``createCompositeKey``), so partial-key range scans return one
object type in key order. Object types:

| type     | attributes                        | value                                    |
|----------|-----------------------------------|------------------------------------------|
| CLASS    | classId                           | class record                             |
| SUPPLY   | classId                           | {"supply": "<int>"}                      |
| BAL      | classId, account                  | {"amount": "<int>"}  folded base balance |
| DELTA    | classId, account, txId, seq       | {"amount": "<int>"}  blind credit        |
| HOLDER   | classId, account                  | {} holder index (blind write)            |
| HOLDING  | account, classId                  | {} account -> classes index (blind)      |
| ITEM     | classId, itemId                   | non-fungible item record                 |
| OWNS     | account, classId, itemId          | {} items by owner                        |
| ALLOW    | classId, owner, spender           | {"amount": "<int>"}                      |
| KYC      | account, providerMsp              | KYC attestation                          |
| FROZEN   | scope ("*" or classId), account   | freeze record                            |
| UNDER    | underlyingId                      | underlying asset record                  |
| ATTEST   | underlyingId, auditorMsp          | attestation                              |
| PENDING  | transferId                        | pending cross-org transfer               |
| PENDIDX  | account, transferId               | {} open pending transfers by party       |
| SWAP     | swapId                            | delivery-versus-payment record           |
| DIST     | distributionId                    | distribution record                      |
| RCV      | receivableId                      | receivable record                        |
| ACT      | account, tx time in ns (20 digits), txId, seq | account activity entry (blind write)   |

Why DELTA keys: a credit must not read the receiver's balance, otherwise concurrent credits to one hot
account collide at commit (MVCC_READ_CONFLICT, ``validation/validator.go`` ``validateKVRead``). Each
credit writes a brand-new key, which no other transaction reads or writes.
"""

from __future__ import annotations

COMPOSITE_NS = "\x00"
MAX_RUNE = "\U0010ffff"


def composite(object_type: str, *attributes: str) -> str:
    """Build a composite key exactly like the Go/Python shims do."""
    for part in (object_type, *attributes):
        if not part or "\x00" in part or MAX_RUNE in part:
            raise ValueError(f"invalid composite key part {part!r}")
    return COMPOSITE_NS + object_type + COMPOSITE_NS + "".join(a + COMPOSITE_NS for a in attributes)


def split(key: str) -> tuple[str, list[str]]:
    if not key.startswith(COMPOSITE_NS):
        raise ValueError("not a composite key")
    parts = key[1:].split(COMPOSITE_NS)
    return parts[0], parts[1:-1]


def prefix_range(object_type: str, *attributes: str) -> tuple[str, str]:
    """Start/end keys of a partial composite key scan (end = prefix + U+10FFFF)."""
    start = composite(object_type, *attributes)
    return start, start + MAX_RUNE


def class_key(class_id: str) -> str:
    return composite("CLASS", class_id)


def supply_key(class_id: str) -> str:
    return composite("SUPPLY", class_id)


def balance_key(class_id: str, account: str) -> str:
    return composite("BAL", class_id, account)


def delta_key(class_id: str, account: str, tx_id: str, seq: int) -> str:
    return composite("DELTA", class_id, account, tx_id, f"{seq:06d}")


def delta_range(class_id: str, account: str) -> tuple[str, str]:
    return prefix_range("DELTA", class_id, account)


def holder_key(class_id: str, account: str) -> str:
    return composite("HOLDER", class_id, account)


def holding_key(account: str, class_id: str) -> str:
    return composite("HOLDING", account, class_id)


def item_key(class_id: str, item_id: str) -> str:
    return composite("ITEM", class_id, item_id)


def owns_key(account: str, class_id: str, item_id: str) -> str:
    return composite("OWNS", account, class_id, item_id)


def allowance_key(class_id: str, owner: str, spender: str) -> str:
    return composite("ALLOW", class_id, owner, spender)


def kyc_key(account: str, provider_msp: str) -> str:
    return composite("KYC", account, provider_msp)


def frozen_key(scope: str, account: str) -> str:
    return composite("FROZEN", scope, account)


def underlying_key(underlying_id: str) -> str:
    return composite("UNDER", underlying_id)


def attestation_key(underlying_id: str, auditor_msp: str) -> str:
    return composite("ATTEST", underlying_id, auditor_msp)


def pending_key(transfer_id: str) -> str:
    return composite("PENDING", transfer_id)


def pending_index_key(account: str, transfer_id: str) -> str:
    return composite("PENDIDX", account, transfer_id)


def swap_key(swap_id: str) -> str:
    return composite("SWAP", swap_id)


def distribution_key(distribution_id: str) -> str:
    return composite("DIST", distribution_id)


def receivable_key(receivable_id: str) -> str:
    return composite("RCV", receivable_id)


def activity_key(account: str, time_ns: int, tx_id: str, seq: int) -> str:
    return composite("ACT", account, f"{time_ns:020d}", tx_id, f"{seq:06d}")
