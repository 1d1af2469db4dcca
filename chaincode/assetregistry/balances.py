"""Balances of fungible classes and ownership of non-fungible items (no rule checks here).

Hot-account design: a credit writes a fresh ``DELTA`` key (composite of class, account, txId, seq) and
never reads the receiver's keys, so any number of concurrent credits to one account commit in the same
block without MVCC conflicts. A balance is ``BAL`` + sum of ``DELTA``s. A debit reads both, folds the
deltas into ``BAL`` and deletes them; its range read makes it conflict (PHANTOM_READ_CONFLICT) with a
credit committed in between, which is the correct outcome for a debit. ``compact`` folds without debiting.
"""

from __future__ import annotations

import json
from typing import Any

from chaincode.assetregistry import keys
from chaincode.assetregistry.classes import load_class
from chaincode.assetregistry.codec import format_amount
from chaincode.assetregistry.endorsement import owner_org_policy
from chaincode.assetregistry.errors import ErrorCode, RegistryError, not_found, unauthorized
from chaincode.assetregistry.identity import account_org, is_escrow, parse_account
from chaincode.assetregistry.txstate import Tx


async def read_balance(tx: Tx, class_id: str, account: str) -> tuple[int, int, list[str], bool]:
    """``(total, base, delta_keys, base_exists)`` — reads BAL and the account's DELTA range."""
    base_record = await tx.get_json(keys.balance_key(class_id, account))
    base = int(base_record["amount"]) if base_record else 0
    start, end = keys.delta_range(class_id, account)
    deltas, _ = await tx.scan(start, end)
    total = base + sum(int(json.loads(value)["amount"]) for _, value in deltas)
    return total, base, [k for k, _ in deltas], base_record is not None


async def balance_of(tx: Tx, class_id: str, account: str) -> int:
    total, _, _, _ = await read_balance(tx, class_id, account)
    return total


def credit(tx: Tx, class_id: str, account: str, amount: int) -> None:
    """Blind credit: writes only fresh/idempotent keys, reads nothing."""
    if amount <= 0:
        raise RegistryError(ErrorCode.INTERNAL, "credit of a non-positive amount")
    tx.put_json(keys.delta_key(class_id, account, tx.tx_id, tx.next_seq()), {"amount": format_amount(amount)})
    tx.put_json(keys.holder_key(class_id, account), {})
    tx.put_json(keys.holding_key(account, class_id), {})


async def fold(tx: Tx, class_id: str, account: str, new_total: int, delta_keys: list[str], existed: bool) -> None:
    for key in delta_keys:
        tx.delete(key)
    base_key = keys.balance_key(class_id, account)
    if new_total == 0:
        tx.delete(base_key)
        tx.delete(keys.holder_key(class_id, account))
        tx.delete(keys.holding_key(account, class_id))
        return
    tx.put_json(base_key, {"amount": format_amount(new_total)})
    if not existed and not is_escrow(account):
        tx.set_endorsement(base_key, owner_org_policy(account_org(account)))


async def debit(tx: Tx, class_id: str, account: str, amount: int, field: str = "amount") -> int:
    """Fold deltas and subtract; refuses to go below zero. Returns the new balance."""
    total, _, delta_keys, existed = await read_balance(tx, class_id, account)
    if amount > total:
        raise RegistryError(ErrorCode.INSUFFICIENT_BALANCE,
                            f"{account} holds {total} of {class_id}, needs {amount}", field)
    await fold(tx, class_id, account, total - amount, delta_keys, existed)
    return total - amount


async def compact(tx: Tx, class_id: str, account: str) -> dict[str, Any]:
    total, _, delta_keys, existed = await read_balance(tx, class_id, account)
    if delta_keys:
        await fold(tx, class_id, account, total, delta_keys, existed)
    return {"classId": class_id, "account": account, "balance": format_amount(total),
            "foldedDeltas": len(delta_keys)}


async def compact_account(tx: Tx, class_id: str, account: str) -> dict[str, Any]:
    """Any member of the account's org may fold its deltas: the balance does not change, and the base key's
    key-level policy requires that org's endorsement anyway."""
    await load_class(tx, class_id)
    parse_account("account", account)
    if tx.caller.msp_id != account_org(account):
        raise unauthorized(f"only members of {account_org(account)} may compact {account}", "account")
    result = await compact(tx, class_id, account)
    tx.emit("Compacted", result)
    return result


# -- non-fungible items -----------------------------------------------------------------------------
async def load_item(tx: Tx, class_id: str, item_id: str) -> dict[str, Any]:
    item = await tx.get_json(keys.item_key(class_id, item_id))
    if item is None:
        raise not_found("itemId", f"item {item_id} of class {class_id} does not exist")
    return item


def put_item_owner(tx: Tx, item: dict[str, Any], new_owner: str) -> None:
    """Move an item: rewrite the record, the owner index, and the key-level endorsement policy."""
    class_id, item_id, old_owner = item["classId"], item["id"], item.get("owner")
    if old_owner:
        tx.delete(keys.owns_key(old_owner, class_id, item_id))
    item["owner"] = new_owner
    key = keys.item_key(class_id, item_id)
    tx.put_json(key, item)
    tx.put_json(keys.owns_key(new_owner, class_id, item_id), {})
    tx.put_json(keys.holding_key(new_owner, class_id), {})
    if not is_escrow(new_owner) and (not old_owner or is_escrow(old_owner)
                                     or account_org(old_owner) != account_org(new_owner)):
        tx.set_endorsement(key, owner_org_policy(account_org(new_owner)))


def require_item_owner(item: dict[str, Any], account: str) -> None:
    if item["owner"] != account:
        raise unauthorized(f"item {item['id']} is not held by {account}", "itemId")
