"""Mint, burn and redeem for fungible classes; mint and burn of non-fungible items."""

from __future__ import annotations

from typing import Any

from chaincode.assetregistry import keys
from chaincode.assetregistry.attestations import require_attested
from chaincode.assetregistry.balances import credit, debit, load_item
from chaincode.assetregistry.classes import (
    FUNGIBLE,
    NON_FUNGIBLE,
    get_supply,
    load_class,
    load_class_of_kind,
    put_supply,
    require_class_active,
    require_class_issuer,
    require_kind,
)
from chaincode.assetregistry.codec import (
    canonical_json,
    format_amount,
    parse_amount,
    parse_hash,
    parse_id,
    parse_json_object,
)
from chaincode.assetregistry.compliance import check_receiver, check_sender
from chaincode.assetregistry.endorsement import owner_org_policy
from chaincode.assetregistry.errors import ErrorCode, RegistryError, invalid
from chaincode.assetregistry.identity import account_org, parse_account, require_controls_account
from chaincode.assetregistry.txstate import Tx

MAX_METADATA_BYTES = 8192


async def mint(tx: Tx, class_id: str, to: str, amount: str, underlying_id: str) -> dict[str, Any]:
    cls = await load_class_of_kind(tx, class_id, FUNGIBLE)
    require_class_issuer(tx, cls)
    parse_account("to", to)
    value = parse_amount("amount", amount)
    require_class_active(cls)
    await check_receiver(tx, cls, to, "to")
    underlying = await require_attested(tx, cls, underlying_id)
    supply = await get_supply(tx, class_id) + value
    if cls["maxSupply"] is not None and supply > int(cls["maxSupply"]):
        raise RegistryError(ErrorCode.MAX_SUPPLY_EXCEEDED, f"supply would be {supply}, max {cls['maxSupply']}",
                            "amount")
    put_supply(tx, class_id, supply)
    credit(tx, class_id, to, value)
    data = {"classId": class_id, "to": to, "amount": format_amount(value), "underlyingId": underlying,
            "supply": format_amount(supply)}
    tx.record_activity(to, "Minted", data)
    tx.emit("Minted", data)
    return data


async def burn(tx: Tx, class_id: str, account: str, amount: str, reference: str, *, redeem: bool) -> dict[str, Any]:
    """Holder destroys its own units; ``redeem`` marks it as a claim on the issuer (off-chain payout)."""
    cls = await load_class_of_kind(tx, class_id, FUNGIBLE)
    parse_account("account", account)
    require_controls_account(tx.caller, account, "account")
    value = parse_amount("amount", amount)
    if not isinstance(reference, str) or len(reference) > 256:
        raise invalid("reference", "reference must be a string of at most 256 characters")
    await check_sender(tx, cls, account, "account")
    await debit(tx, class_id, account, value)
    supply = await get_supply(tx, class_id) - value
    put_supply(tx, class_id, supply)
    name = "Redeemed" if redeem else "Burned"
    data = {"classId": class_id, "account": account, "amount": format_amount(value), "reference": reference,
            "supply": format_amount(supply)}
    tx.record_activity(account, name, data)
    tx.emit(name, data)
    return data


def parse_item_spec(spec: str) -> dict[str, Any]:
    body = parse_json_object("spec", spec)
    item_id = parse_id("spec.id", body.get("id"))
    metadata = body.get("metadata", {})
    if not isinstance(metadata, dict):
        raise invalid("spec.metadata", "spec.metadata must be a JSON object")
    if len(canonical_json(metadata)) > MAX_METADATA_BYTES:
        raise invalid("spec.metadata", f"spec.metadata exceeds {MAX_METADATA_BYTES} bytes")
    return {"id": item_id, "metadata": metadata, "contentHash": parse_hash("spec.contentHash",
                                                                           body.get("contentHash"))}


async def mint_item(tx: Tx, class_id: str, to: str, spec: str, underlying_id: str) -> dict[str, Any]:
    cls = await load_class(tx, class_id)
    require_kind(cls, NON_FUNGIBLE)
    require_class_issuer(tx, cls)
    parse_account("to", to)
    item = parse_item_spec(spec)
    require_class_active(cls)
    await check_receiver(tx, cls, to, "to")
    key = keys.item_key(class_id, item["id"])
    if await tx.get_raw(key) is not None:
        raise RegistryError(ErrorCode.ALREADY_EXISTS, f"item {item['id']} exists in {class_id}", "spec.id")
    item.update({"classId": class_id, "owner": to, "underlyingId": await require_attested(tx, cls, underlying_id),
                 "mintedAt": tx.now})
    supply = await get_supply(tx, class_id) + 1
    put_supply(tx, class_id, supply)
    tx.put_json(key, item)
    tx.put_json(keys.owns_key(to, class_id, item["id"]), {})
    tx.put_json(keys.holding_key(to, class_id), {})
    tx.set_endorsement(key, owner_org_policy(account_org(to)))
    tx.record_activity(to, "ItemMinted", {"classId": class_id, "itemId": item["id"]})
    tx.emit("ItemMinted", {"item": item})
    return item


async def burn_item(tx: Tx, class_id: str, item_id: str, reference: str) -> dict[str, Any]:
    cls = await load_class(tx, class_id)
    require_kind(cls, NON_FUNGIBLE)
    item = await load_item(tx, class_id, parse_id("itemId", item_id))
    require_controls_account(tx.caller, item["owner"], "itemId")
    await check_sender(tx, cls, item["owner"], "itemId")
    tx.delete(keys.item_key(class_id, item_id))
    tx.delete(keys.owns_key(item["owner"], class_id, item_id))
    put_supply(tx, class_id, await get_supply(tx, class_id) - 1)
    data = {"classId": class_id, "itemId": item_id, "owner": item["owner"], "reference": str(reference)[:256]}
    tx.record_activity(item["owner"], "ItemBurned", data)
    tx.emit("ItemBurned", data)
    return data
