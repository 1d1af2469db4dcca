"""Transfers: same-org and cross-org, batches, allowances, and forced transfers.

A movement first passes every rule (``compliance.check_movement``); then, if the class demands the
receiver's consent and the move crosses orgs, the units (or the item) go to an escrow account and a
pending transfer is opened (``pending.py``); otherwise they move at once.
"""

from __future__ import annotations

from typing import Any

from chaincode.assetregistry import keys
from chaincode.assetregistry.balances import credit, debit, load_item, put_item_owner
from chaincode.assetregistry.classes import (
    FUNGIBLE,
    NON_FUNGIBLE,
    load_class,
    load_class_of_kind,
    require_class_issuer,
    require_class_unlocked,
)
from chaincode.assetregistry.codec import format_amount, parse_amount, parse_id, parse_json_list
from chaincode.assetregistry.compliance import check_movement, check_receiver, parse_reason
from chaincode.assetregistry.errors import ErrorCode, RegistryError, invalid
from chaincode.assetregistry.identity import account_org, is_escrow, parse_account, require_controls_account
from chaincode.assetregistry.pending import open_pending, pending_escrow
from chaincode.assetregistry.txstate import Tx

MAX_BATCH = 100


def needs_acceptance(cls: dict[str, Any], sender: str, receiver: str) -> bool:
    return bool(cls["rules"]["requireAcceptance"]) and account_org(sender) != account_org(receiver)


async def move_units(tx: Tx, cls: dict[str, Any], sender: str, receiver: str, amount: int) -> dict[str, Any]:
    """Rule-checked fungible move; returns the movement record (with ``pendingId`` when escrowed)."""
    await check_movement(tx, cls, sender, receiver)
    record: dict[str, Any] = {"classId": cls["id"], "from": sender, "to": receiver, "amount": format_amount(amount)}
    await debit(tx, cls["id"], sender, amount)
    if needs_acceptance(cls, sender, receiver):
        record["pendingId"] = open_pending(tx, record)
        tx.record_activity(sender, "TransferProposed", record)
        return record
    credit(tx, cls["id"], receiver, amount)
    tx.record_activity(sender, "Sent", record)
    tx.record_activity(receiver, "Received", record)
    return record


async def move_item(tx: Tx, cls: dict[str, Any], item_id: str, receiver: str) -> dict[str, Any]:
    item = await load_item(tx, cls["id"], item_id)
    sender = item["owner"]
    require_controls_account(tx.caller, sender, "itemId")
    await check_movement(tx, cls, sender, receiver)
    record: dict[str, Any] = {"classId": cls["id"], "itemId": item_id, "from": sender, "to": receiver}
    if needs_acceptance(cls, sender, receiver):
        record["pendingId"] = open_pending(tx, record)
        put_item_owner(tx, item, pending_escrow(record["pendingId"]))
        tx.record_activity(sender, "TransferProposed", record)
        return record
    put_item_owner(tx, item, receiver)
    tx.record_activity(sender, "ItemSent", record)
    tx.record_activity(receiver, "ItemReceived", record)
    return record


async def transfer(tx: Tx, class_id: str, sender: str, receiver: str, amount: str) -> dict[str, Any]:
    cls = await load_class_of_kind(tx, class_id, FUNGIBLE)
    parse_account("from", sender)
    parse_account("to", receiver)
    require_controls_account(tx.caller, sender, "from")
    record = await move_units(tx, cls, sender, receiver, parse_amount("amount", amount))
    tx.emit("TransferProposed" if "pendingId" in record else "Transferred", record)
    return record


async def transfer_item(tx: Tx, class_id: str, item_id: str, receiver: str) -> dict[str, Any]:
    cls = await load_class_of_kind(tx, class_id, NON_FUNGIBLE)
    parse_id("itemId", item_id)
    parse_account("to", receiver)
    record = await move_item(tx, cls, item_id, receiver)
    tx.emit("TransferProposed" if "pendingId" in record else "ItemTransferred", record)
    return record


async def batch_transfer(tx: Tx, transfers: str) -> dict[str, Any]:
    """All-or-nothing list of moves: ``[{"classId","from","to","amount"} | {"classId","itemId","to"}]``."""
    entries = parse_json_list("transfers", transfers)
    if not entries or len(entries) > MAX_BATCH:
        raise invalid("transfers", f"transfers must hold 1..{MAX_BATCH} entries")
    results = []
    for index, entry in enumerate(entries):
        try:
            results.append(await batch_entry(tx, entry, f"transfers[{index}]"))
        except RegistryError as err:
            prefix = f"transfers[{index}]"
            field = err.field if err.field.startswith(prefix) else f"{prefix}.{err.field}".rstrip(".")
            raise RegistryError(err.code, f"{prefix}: {err.detail}", field) from None
    tx.emit("BatchTransferred", {"transfers": results})
    return {"transfers": results}


async def batch_entry(tx: Tx, entry: Any, field: str) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise invalid(field, f"{field} must be an object")
    cls = await load_class(tx, entry.get("classId", ""), f"{field}.classId")
    receiver = parse_account(f"{field}.to", entry.get("to"))
    if cls["kind"] == FUNGIBLE:
        sender = parse_account(f"{field}.from", entry.get("from"))
        require_controls_account(tx.caller, sender, f"{field}.from")
        amount = parse_amount(f"{field}.amount", entry.get("amount"))
        return await move_units(tx, cls, sender, receiver, amount)
    return await move_item(tx, cls, parse_id(f"{field}.itemId", entry.get("itemId")), receiver)


async def approve(tx: Tx, class_id: str, owner: str, spender: str, amount: str) -> dict[str, Any]:
    """Set (not add to) the amount ``spender`` may move out of ``owner``; 0 revokes."""
    await load_class_of_kind(tx, class_id, FUNGIBLE)
    parse_account("owner", owner)
    parse_account("spender", spender)
    require_controls_account(tx.caller, owner, "owner")
    if owner == spender:
        raise invalid("spender", "spender must differ from owner")
    value = parse_amount("amount", amount, positive=False)
    put_allowance(tx, class_id, owner, spender, value)
    data = {"classId": class_id, "owner": owner, "spender": spender, "amount": format_amount(value)}
    tx.emit("Approved", data)
    return data


def put_allowance(tx: Tx, class_id: str, owner: str, spender: str, amount: int) -> None:
    """Store what ``spender`` may still move out of ``owner``; a zero allowance is no key at all, so a
    revoked or used-up allowance leaves nothing behind (``allowance_of`` reads a missing key as 0)."""
    key = keys.allowance_key(class_id, owner, spender)
    if amount == 0:
        tx.delete(key)
    else:
        tx.put_json(key, {"amount": format_amount(amount)})


async def allowance_of(tx: Tx, class_id: str, owner: str, spender: str) -> int:
    record = await tx.get_json(keys.allowance_key(class_id, owner, spender))
    return int(record["amount"]) if record else 0


async def transfer_from(tx: Tx, class_id: str, owner: str, spender: str, receiver: str,
                        amount: str) -> dict[str, Any]:
    cls = await load_class_of_kind(tx, class_id, FUNGIBLE)
    parse_account("owner", owner)
    parse_account("spender", spender)
    parse_account("to", receiver)
    require_controls_account(tx.caller, spender, "spender")
    value = parse_amount("amount", amount)
    allowed = await allowance_of(tx, class_id, owner, spender)
    if value > allowed:
        raise RegistryError(ErrorCode.INSUFFICIENT_ALLOWANCE, f"{spender} may move {allowed} from {owner}", "amount")
    put_allowance(tx, class_id, owner, spender, allowed - value)
    record = await move_units(tx, cls, owner, receiver, value)
    record["spender"] = spender
    tx.emit("TransferredFrom", record)
    return record


async def forced_transfer(tx: Tx, class_id: str, sender: str, receiver: str, amount_or_item: str,
                          reason: str) -> dict[str, Any]:
    """Issuer moves holdings without the holder's consent (court order, lost keys).

    Bypasses freeze, lock-up, pause and acceptance on the sending side — that is its purpose — but the
    receiver must still be an allowed, KYC'd account. Recorded in both accounts' history and evented.
    """
    cls = await load_class(tx, class_id)
    require_class_issuer(tx, cls)
    require_class_unlocked(cls)
    reason = parse_reason(reason)
    parse_account("to", receiver)
    record: dict[str, Any] = {"classId": class_id, "to": receiver, "reason": reason}
    if cls["kind"] == FUNGIBLE:
        parse_account("from", sender)
        value = parse_amount("amount", amount_or_item)
        await check_receiver(tx, cls, receiver, "to")
        await debit(tx, class_id, sender, value)
        credit(tx, class_id, receiver, value)
        record.update({"from": sender, "amount": format_amount(value)})
    else:
        item = await load_item(tx, class_id, parse_id("amount", amount_or_item))
        if is_escrow(item["owner"]):
            raise RegistryError(ErrorCode.INVALID_STATE, f"item {item['id']} is in escrow; settle or cancel first",
                                "amount")
        if sender and sender != item["owner"]:
            raise invalid("from", f"item {item['id']} is held by {item['owner']}, not {sender}")
        await check_receiver(tx, cls, receiver, "to")
        record.update({"from": item["owner"], "itemId": item["id"]})
        put_item_owner(tx, item, receiver)
    if record["from"] == receiver:
        raise invalid("to", "sender and receiver are the same account")
    tx.record_activity(record["from"], "ForcedTransfer", record)
    tx.record_activity(receiver, "ForcedTransfer", record)
    tx.emit("ForcedTransfer", record)
    return record
