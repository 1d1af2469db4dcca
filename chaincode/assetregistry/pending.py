"""Pending cross-org transfers: propose -> accept | reject | expire.

Why escrow: the sender's units leave its account when proposing, so it cannot spend them twice while the
receiver decides; they sit in an escrow account (counted in total supply) that only these rules move.
The receiver accepts or rejects with its own identity; after ``expiresAt`` either side may expire it and
the units return to the sender.
"""

from __future__ import annotations

from typing import Any

from chaincode.assetregistry import keys
from chaincode.assetregistry.balances import credit, debit, load_item, put_item_owner
from chaincode.assetregistry.classes import load_class, require_class_unlocked
from chaincode.assetregistry.compliance import check_receiver
from chaincode.assetregistry.errors import ErrorCode, RegistryError, not_found, unauthorized
from chaincode.assetregistry.identity import controls_account, escrow_account, require_controls_account
from chaincode.assetregistry.txstate import Tx

PENDING_TTL_SECONDS = 7 * 24 * 3600


def pending_escrow(pending_id: str) -> str:
    return escrow_account("pending", pending_id)


def open_pending(tx: Tx, movement: dict[str, Any]) -> str:
    """Record the pending transfer; fungible units are credited to its escrow (items are moved by caller)."""
    pending_id = f"{tx.tx_id}-{tx.next_seq()}"
    record = {**movement, "id": pending_id, "status": "pending", "createdAt": tx.now,
              "expiresAt": tx.now + PENDING_TTL_SECONDS}
    tx.put_json(keys.pending_key(pending_id), record)
    for party in (movement["from"], movement["to"]):
        tx.put_json(keys.pending_index_key(party, pending_id), {})
    if "amount" in movement:
        credit(tx, movement["classId"], pending_escrow(pending_id), int(movement["amount"]))
    return pending_id


async def load_pending(tx: Tx, pending_id: str) -> dict[str, Any]:
    record = await tx.get_json(keys.pending_key(pending_id)) if pending_id else None
    if record is None:
        raise not_found("transferId", f"pending transfer {pending_id} does not exist")
    if record["status"] != "pending":
        raise RegistryError(ErrorCode.INVALID_STATE, f"transfer {pending_id} is {record['status']}", "transferId")
    return record


async def release(tx: Tx, record: dict[str, Any], receiver: str) -> None:
    require_class_unlocked(await load_class(tx, record["classId"]), "transferId")
    escrow = pending_escrow(record["id"])
    if "amount" in record:
        await debit(tx, record["classId"], escrow, int(record["amount"]))
        credit(tx, record["classId"], receiver, int(record["amount"]))
    else:
        item = await load_item(tx, record["classId"], record["itemId"])
        if item["owner"] != escrow:
            raise RegistryError(ErrorCode.INVALID_STATE, f"item {item['id']} is no longer in escrow", "transferId")
        put_item_owner(tx, item, receiver)


async def accept(tx: Tx, pending_id: str) -> dict[str, Any]:
    record = await load_pending(tx, pending_id)
    require_controls_account(tx.caller, record["to"], "transferId")
    if tx.now >= record["expiresAt"]:
        raise RegistryError(ErrorCode.EXPIRED, f"transfer {pending_id} expired at {record['expiresAt']}",
                            "transferId")
    await check_receiver(tx, await load_class(tx, record["classId"]), record["to"], "transferId")
    await release(tx, record, record["to"])
    return finish(tx, record, "accepted", "TransferAccepted", record["to"])


async def reject(tx: Tx, pending_id: str) -> dict[str, Any]:
    record = await load_pending(tx, pending_id)
    require_controls_account(tx.caller, record["to"], "transferId")
    await release(tx, record, record["from"])
    return finish(tx, record, "rejected", "TransferRejected", record["from"])


async def expire(tx: Tx, pending_id: str) -> dict[str, Any]:
    record = await load_pending(tx, pending_id)
    if not (controls_account(tx.caller, record["from"]) or controls_account(tx.caller, record["to"])):
        raise unauthorized("only the sender or the receiver may expire a pending transfer", "transferId")
    if tx.now < record["expiresAt"]:
        raise RegistryError(ErrorCode.NOT_EXPIRED, f"transfer {pending_id} expires at {record['expiresAt']}",
                            "transferId")
    await release(tx, record, record["from"])
    return finish(tx, record, "expired", "TransferExpired", record["from"])


def finish(tx: Tx, record: dict[str, Any], status: str, event: str, beneficiary: str) -> dict[str, Any]:
    record["status"] = status
    record["closedAt"] = tx.now
    tx.put_json(keys.pending_key(record["id"]), record)
    for party in (record["from"], record["to"]):
        tx.delete(keys.pending_index_key(party, record["id"]))
    tx.record_activity(beneficiary, event, record)
    tx.emit(event, record)
    return record
