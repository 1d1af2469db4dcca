"""Read-only queries with bookmark pagination.

Why our own bookmarks: the shim's range iterator drops the peer's ``QueryResponseMetadata`` (so a Fabric
bookmark never reaches the chaincode), and Fabric forbids writes after a paginated query. We therefore
scan with ordinary range queries, stop after ``pageSize`` keys, and hand out the last key returned,
base64url-encoded, as the bookmark; the next page starts just after it.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from chaincode.assetregistry import keys
from chaincode.assetregistry.balances import balance_of, load_item, read_balance
from chaincode.assetregistry.classes import FUNGIBLE, get_supply, load_class
from chaincode.assetregistry.codec import format_amount, parse_id, parse_int
from chaincode.assetregistry.errors import invalid
from chaincode.assetregistry.identity import parse_account
from chaincode.assetregistry.records import load_record
from chaincode.assetregistry.txstate import Tx

MAX_PAGE = 200
DEFAULT_PAGE = 50


def encode_bookmark(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode("utf-8")).decode("ascii").rstrip("=")


def decode_bookmark(bookmark: str, prefix: str) -> str:
    try:
        key = base64.urlsafe_b64decode(bookmark + "=" * (-len(bookmark) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid("bookmark", "bookmark is not one this query returned") from None
    if not key.startswith(prefix):
        raise invalid("bookmark", "bookmark belongs to a different query")
    return key


async def page(tx: Tx, page_size: str, bookmark: str, object_type: str,
               *attrs: str) -> tuple[list[tuple[str, bytes]], str]:
    size = parse_int("pageSize", page_size or DEFAULT_PAGE, minimum=1, maximum=MAX_PAGE)
    start, end = keys.prefix_range(object_type, *attrs)
    if bookmark:
        start = decode_bookmark(bookmark, start) + "\x00"
    items, more = await tx.scan(start, end, limit=size)
    return items, encode_bookmark(items[-1][0]) if more and items else ""


async def get_class(tx: Tx, class_id: str) -> dict[str, Any]:
    cls = await load_class(tx, class_id)
    return {**cls, "supply": format_amount(await get_supply(tx, class_id))}


async def list_classes(tx: Tx, page_size: str, bookmark: str) -> dict[str, Any]:
    items, next_bookmark = await page(tx, page_size, bookmark, "CLASS")
    return {"classes": [json.loads(v) for _, v in items], "bookmark": next_bookmark}


async def get_balance(tx: Tx, class_id: str, account: str) -> dict[str, Any]:
    await load_class(tx, class_id)
    parse_account("account", account)
    total, base, deltas, _ = await read_balance(tx, class_id, account)
    return {"classId": class_id, "account": account, "balance": format_amount(total),
            "base": format_amount(base), "unfoldedDeltas": len(deltas)}


async def get_holdings(tx: Tx, account: str, page_size: str, bookmark: str) -> dict[str, Any]:
    """Classes an account holds, with the fungible balance or the number of items."""
    parse_account("account", account)
    items, next_bookmark = await page(tx, page_size, bookmark, "HOLDING", account)
    holdings = []
    for key, _ in items:
        class_id = keys.split(key)[1][1]
        cls = await load_class(tx, class_id)
        if cls["kind"] == FUNGIBLE:
            amount = await balance_of(tx, class_id, account)
        else:
            amount = len(await tx.scan_prefix("OWNS", account, class_id))
        if amount:
            holdings.append({"classId": class_id, "kind": cls["kind"], "balance": format_amount(amount)})
    return {"account": account, "holdings": holdings, "bookmark": next_bookmark}


async def get_holders(tx: Tx, class_id: str, page_size: str, bookmark: str) -> dict[str, Any]:
    cls = await load_class(tx, class_id)
    if cls["kind"] == FUNGIBLE:
        items, next_bookmark = await page(tx, page_size, bookmark, "HOLDER", class_id)
        holders = []
        for key, _ in items:
            account = keys.split(key)[1][1]
            holders.append({"account": account, "balance": format_amount(await balance_of(tx, class_id, account))})
        return {"classId": class_id, "holders": holders, "bookmark": next_bookmark}
    items, next_bookmark = await page(tx, page_size, bookmark, "ITEM", class_id)
    holders = [{"itemId": json.loads(v)["id"], "account": json.loads(v)["owner"]} for _, v in items]
    return {"classId": class_id, "holders": holders, "bookmark": next_bookmark}


async def get_item(tx: Tx, class_id: str, item_id: str) -> dict[str, Any]:
    await load_class(tx, class_id)
    return await load_item(tx, class_id, parse_id("itemId", item_id))


async def get_items_by_owner(tx: Tx, account: str, page_size: str, bookmark: str) -> dict[str, Any]:
    parse_account("account", account)
    items, next_bookmark = await page(tx, page_size, bookmark, "OWNS", account)
    owned = [{"classId": keys.split(k)[1][1], "itemId": keys.split(k)[1][2]} for k, _ in items]
    return {"account": account, "items": owned, "bookmark": next_bookmark}


async def get_account_history(tx: Tx, account: str, page_size: str, bookmark: str) -> dict[str, Any]:
    parse_account("account", account)
    items, next_bookmark = await page(tx, page_size, bookmark, "ACT", account)
    return {"account": account, "entries": [json.loads(v) for _, v in items], "bookmark": next_bookmark}


async def get_asset_history(tx: Tx, class_id: str, item_id: str) -> dict[str, Any]:
    """Every committed version of an item (or of the class record when ``itemId`` is empty)."""
    await load_class(tx, class_id)
    key = keys.item_key(class_id, parse_id("itemId", item_id)) if item_id else keys.class_key(class_id)
    iterator = await tx.stub.get_history_for_key(key)
    entries = []
    async for mod in iterator:
        ts = getattr(mod, "timestamp", None)
        entries.append({
            "txId": mod.tx_id,
            "time": int(ts.seconds) if ts is not None else 0,
            "isDelete": bool(mod.is_delete),
            "value": None if mod.is_delete or not mod.value else json.loads(mod.value),
        })
    return {"classId": class_id, "itemId": item_id, "history": entries}


async def get_pending_transfers(tx: Tx, account: str, page_size: str, bookmark: str) -> dict[str, Any]:
    parse_account("account", account)
    items, next_bookmark = await page(tx, page_size, bookmark, "PENDIDX", account)
    transfers = []
    for key, _ in items:
        record = await tx.get_json(keys.pending_key(keys.split(key)[1][1]))
        if record is not None:
            transfers.append(record)
    return {"account": account, "transfers": transfers, "bookmark": next_bookmark}


async def get_allowance(tx: Tx, class_id: str, owner: str, spender: str) -> dict[str, Any]:
    parse_account("owner", owner)
    parse_account("spender", spender)
    record = await tx.get_json(keys.allowance_key(class_id, owner, spender))
    return {"classId": class_id, "owner": owner, "spender": spender,
            "amount": record["amount"] if record else "0"}


async def get_kyc(tx: Tx, account: str) -> dict[str, Any]:
    parse_account("account", account)
    records = [json.loads(v) for _, v in await tx.scan_prefix("KYC", account)]
    for record in records:
        record["valid"] = record["expiresAt"] > tx.now
    frozen = await tx.get_json(keys.frozen_key("*", account))
    return {"account": account, "kyc": records, "frozenGlobally": frozen}


_BY_ID = {"underlying": (keys.underlying_key, "underlyingId"), "swap": (keys.swap_key, "swapId"),
          "distribution": (keys.distribution_key, "distributionId"),
          "receivable": (keys.receivable_key, "receivableId")}


async def get_by_id(tx: Tx, what: str, ident: str) -> dict[str, Any]:
    key_of, field = _BY_ID[what]
    return await load_record(tx, key_of, field, what, ident)


async def whoami(tx: Tx) -> dict[str, Any]:
    return {"msp": tx.caller.msp_id, "cn": tx.caller.common_name, "id": tx.caller.id, "roles": sorted(tx.caller.roles)}
