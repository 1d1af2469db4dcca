"""Atomic delivery-versus-payment between two accounts (usually of two orgs).

The maker proposes with its own identity and its leg goes to a swap escrow at once (so it cannot be
spent twice). The taker settles with its own identity: in that one transaction its leg moves to the maker
and the escrowed leg moves to the taker. A transaction either commits all its writes or none, so either
both legs settle or neither. The maker may cancel before settlement; after ``expiresAt`` either party may.
"""

from __future__ import annotations

from typing import Any

from chaincode.assetregistry import keys
from chaincode.assetregistry.balances import credit, debit, load_item, put_item_owner, require_item_owner
from chaincode.assetregistry.classes import FUNGIBLE, load_class, require_class_unlocked
from chaincode.assetregistry.codec import format_amount, get_field, parse_amount, parse_id, parse_int, parse_json_object
from chaincode.assetregistry.compliance import check_movement, check_receiver, check_sender
from chaincode.assetregistry.errors import ErrorCode, RegistryError, invalid, unauthorized
from chaincode.assetregistry.identity import (
    controls_account,
    escrow_account,
    parse_parties,
    require_controls_account,
)
from chaincode.assetregistry.records import load_record, require_status
from chaincode.assetregistry.txstate import Tx


async def parse_leg(tx: Tx, raw: Any, field: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise invalid(field, f"{field} must be an object")
    cls = await load_class(tx, raw.get("classId", ""), f"{field}.classId")
    if cls["kind"] == FUNGIBLE:
        return {"classId": cls["id"], "amount": format_amount(parse_amount(f"{field}.amount", raw.get("amount")))}
    return {"classId": cls["id"], "itemId": parse_id(f"{field}.itemId", raw.get("itemId"))}


async def move_leg(tx: Tx, leg: dict[str, Any], sender: str, receiver: str, field: str) -> None:
    require_class_unlocked(await load_class(tx, leg["classId"]), field)
    if "amount" in leg:
        await debit(tx, leg["classId"], sender, int(leg["amount"]), field)
        credit(tx, leg["classId"], receiver, int(leg["amount"]))
        return
    item = await load_item(tx, leg["classId"], leg["itemId"])
    require_item_owner(item, sender)
    put_item_owner(tx, item, receiver)


async def propose_swap(tx: Tx, spec: str) -> dict[str, Any]:
    body = parse_json_object("spec", spec)
    swap_id = parse_id("spec.id", get_field(body, "id", "spec."))
    maker, taker = parse_parties(tx.caller, body, "maker", "taker")
    give = await parse_leg(tx, get_field(body, "give", "spec."), "spec.give")
    take = await parse_leg(tx, get_field(body, "take", "spec."), "spec.take")
    expires = parse_int("spec.expiresAt", get_field(body, "expiresAt", "spec."))
    if expires <= tx.now:
        raise invalid("spec.expiresAt", "spec.expiresAt must be after the transaction time")
    key = keys.swap_key(swap_id)
    if await tx.get_raw(key) is not None:
        raise RegistryError(ErrorCode.ALREADY_EXISTS, f"swap {swap_id} exists", "spec.id")
    give_cls = await load_class(tx, give["classId"])
    await check_sender(tx, give_cls, maker, "spec.maker")
    await check_receiver(tx, give_cls, taker, "spec.taker")
    await move_leg(tx, give, maker, escrow_account("swap", swap_id), "spec.give")
    record = {"id": swap_id, "maker": maker, "taker": taker, "give": give, "take": take, "expiresAt": expires,
              "status": "proposed", "createdAt": tx.now}
    tx.put_json(key, record)
    tx.record_activity(maker, "SwapProposed", {"swapId": swap_id})
    tx.emit("SwapProposed", record)
    return record


async def load_open_swap(tx: Tx, swap_id: str) -> dict[str, Any]:
    record = await load_record(tx, keys.swap_key, "swapId", "swap", swap_id)
    require_status(record, "proposed", "swapId", "swap", swap_id)
    return record


async def settle_swap(tx: Tx, swap_id: str) -> dict[str, Any]:
    record = await load_open_swap(tx, swap_id)
    maker, taker = record["maker"], record["taker"]
    require_controls_account(tx.caller, taker, "swapId")
    if tx.now >= record["expiresAt"]:
        raise RegistryError(ErrorCode.EXPIRED, f"swap {swap_id} expired at {record['expiresAt']}", "swapId")
    take_cls = await load_class(tx, record["take"]["classId"])
    await check_movement(tx, take_cls, taker, maker)
    await check_receiver(tx, await load_class(tx, record["give"]["classId"]), taker, "swapId")
    await move_leg(tx, record["take"], taker, maker, "take")
    await move_leg(tx, record["give"], escrow_account("swap", swap_id), taker, "give")
    record.update({"status": "settled", "closedAt": tx.now})
    tx.put_json(keys.swap_key(swap_id), record)
    for party in (maker, taker):
        tx.record_activity(party, "SwapSettled", {"swapId": swap_id})
    tx.emit("SwapSettled", record)
    return record


async def cancel_swap(tx: Tx, swap_id: str) -> dict[str, Any]:
    record = await load_open_swap(tx, swap_id)
    maker, taker = record["maker"], record["taker"]
    expired = tx.now >= record["expiresAt"]
    if not (controls_account(tx.caller, maker) or (expired and controls_account(tx.caller, taker))):
        raise unauthorized("only the maker, or after expiry the taker, may cancel a swap", "swapId")
    await move_leg(tx, record["give"], escrow_account("swap", swap_id), maker, "give")
    record.update({"status": "cancelled", "closedAt": tx.now})
    tx.put_json(keys.swap_key(swap_id), record)
    tx.record_activity(maker, "SwapCancelled", {"swapId": swap_id})
    tx.emit("SwapCancelled", record)
    return record
