"""Pro-rata distributions (dividends, royalties, receivable settlements) in a payment token.

Rules (exact to the smallest unit, deterministic):
- Record date = the creating transaction's time. From then until completion the asset class is in status
  ``distributing``: no transfer, mint or burn of it is accepted, so balances stay those of the record date
  while pages are processed in later transactions.
- A holder with balance ``b`` receives ``floor(total * b / supplyAtRecord)`` units of the payment token.
- Units held in escrow accounts (open pending transfers or swaps) earn nothing.
- The remainder ``total - sum(paid)`` (rounding dust plus escrow shares) returns to the payer on completion.
- ``ProcessDistribution`` pays at most ``pageSize`` holders per transaction, in holder-key order, resuming
  from a cursor stored in the record, so thousands of holders never exceed one transaction's limits.
  Anyone may call it: every amount it moves is fixed by the record.
"""

from __future__ import annotations

from typing import Any

from chaincode.assetregistry import keys
from chaincode.assetregistry.balances import balance_of, credit, debit
from chaincode.assetregistry.classes import (
    FUNGIBLE,
    get_supply,
    load_class,
    require_class_active,
    require_class_issuer,
    require_kind,
)
from chaincode.assetregistry.codec import format_amount, get_field, parse_amount, parse_id, parse_int, parse_json_object
from chaincode.assetregistry.compliance import check_sender
from chaincode.assetregistry.errors import ErrorCode, RegistryError, invalid
from chaincode.assetregistry.identity import escrow_account, is_escrow, parse_account, require_controls_account
from chaincode.assetregistry.records import load_record, require_status
from chaincode.assetregistry.txstate import Tx

MAX_PAGE = 500


def distribution_escrow(distribution_id: str) -> str:
    return escrow_account("dist", distribution_id)


async def open_distribution(tx: Tx, distribution_id: str, asset_cls: dict[str, Any], payment_cls: dict[str, Any],
                            payer: str, total: int, kind: str, extra: dict[str, Any]) -> dict[str, Any]:
    """Snapshot supply, lock the asset class, escrow the payment. Shared with receivable settlement."""
    key = keys.distribution_key(distribution_id)
    if await tx.get_raw(key) is not None:
        raise RegistryError(ErrorCode.ALREADY_EXISTS, f"distribution {distribution_id} exists", "spec.id")
    require_class_active(asset_cls)
    supply = await get_supply(tx, asset_cls["id"])
    if supply == 0:
        raise RegistryError(ErrorCode.INVALID_STATE, f"class {asset_cls['id']} has no supply", "spec.classId")
    await check_sender(tx, payment_cls, payer, "spec.payer")
    await debit(tx, payment_cls["id"], payer, total, "spec.amount")
    credit(tx, payment_cls["id"], distribution_escrow(distribution_id), total)
    asset_cls["status"] = "distributing"
    tx.put_json(keys.class_key(asset_cls["id"]), asset_cls)
    record = {"id": distribution_id, "kind": kind, "classId": asset_cls["id"], "paymentClassId": payment_cls["id"],
              "payer": payer, "total": format_amount(total), "supplyAtRecord": format_amount(supply),
              "recordTime": tx.now, "paid": "0", "holdersPaid": 0, "cursor": "", "status": "open", **extra}
    tx.put_json(key, record)
    return record


async def create_distribution(tx: Tx, spec: str) -> dict[str, Any]:
    body = parse_json_object("spec", spec)
    distribution_id = parse_id("spec.id", get_field(body, "id", "spec."))
    kind = body.get("kind", "dividend")
    if kind not in ("dividend", "royalty"):
        raise invalid("spec.kind", "spec.kind must be 'dividend' or 'royalty'")
    asset_cls = await load_class(tx, get_field(body, "classId", "spec."), "spec.classId")
    payment_cls = await load_class(tx, get_field(body, "paymentClassId", "spec."), "spec.paymentClassId")
    require_kind(asset_cls, FUNGIBLE, "spec.classId")
    require_kind(payment_cls, FUNGIBLE, "spec.paymentClassId")
    if asset_cls["id"] == payment_cls["id"]:
        raise invalid("spec.paymentClassId", "payment class must differ from the distributed class")
    require_class_issuer(tx, asset_cls)
    payer = parse_account("spec.payer", get_field(body, "payer", "spec."))
    require_controls_account(tx.caller, payer, "spec.payer")
    total = parse_amount("spec.amount", get_field(body, "amount", "spec."))
    record = await open_distribution(tx, distribution_id, asset_cls, payment_cls, payer, total, kind, {})
    tx.emit("DistributionCreated", record)
    return record


async def process_distribution(tx: Tx, distribution_id: str, page_size: str) -> dict[str, Any]:
    parse_id("distributionId", distribution_id)
    size = parse_int("pageSize", page_size or 100, minimum=1, maximum=MAX_PAGE)
    record = await load_record(tx, keys.distribution_key, "distributionId", "distribution", distribution_id)
    require_status(record, "open", "distributionId", "distribution", distribution_id)
    payments = await pay_page(tx, record, size)
    data = {"distributionId": distribution_id, "payments": payments, "paid": record["paid"]}
    if record["status"] == "completed":
        tx.emit("DistributionCompleted", {**data, "remainder": record["remainder"]})
    else:
        tx.emit("DistributionProgressed", data)
    return record


async def pay_page(tx: Tx, record: dict[str, Any], size: int) -> list[dict[str, str]]:
    """Pay the next ``size`` holders after the cursor; completes the distribution after the last one."""
    class_id, payment_id = record["classId"], record["paymentClassId"]
    total, supply = int(record["total"]), int(record["supplyAtRecord"])
    start, end = keys.prefix_range("HOLDER", class_id)
    if record["cursor"]:
        start = record["cursor"] + "\x00"
    holders, more = await tx.scan(start, end, limit=size)
    page_paid, payments = 0, []
    for holder_key, _ in holders:
        account = keys.split(holder_key)[1][1]
        if is_escrow(account):
            continue
        share = total * await balance_of(tx, class_id, account) // supply
        if share:
            credit(tx, payment_id, account, share)
            tx.record_activity(account, "DistributionPaid", {"distributionId": record["id"],
                                                             "amount": format_amount(share)})
            payments.append({"account": account, "amount": format_amount(share)})
            page_paid += share
    if page_paid:
        await debit(tx, payment_id, distribution_escrow(record["id"]), page_paid)
    record["paid"] = format_amount(int(record["paid"]) + page_paid)
    record["holdersPaid"] += len(payments)
    if holders:
        record["cursor"] = holders[-1][0]
    if more:
        tx.put_json(keys.distribution_key(record["id"]), record)
    else:
        await complete(tx, record, total - int(record["paid"]))
    return payments


async def complete(tx: Tx, record: dict[str, Any], remainder: int) -> None:
    if remainder:
        await debit(tx, record["paymentClassId"], distribution_escrow(record["id"]), remainder)
        credit(tx, record["paymentClassId"], record["payer"], remainder)
    record.update({"status": "completed", "remainder": format_amount(remainder), "completedAt": tx.now})
    tx.put_json(keys.distribution_key(record["id"]), record)
    cls = await load_class(tx, record["classId"])
    cls["status"] = "settled" if record.get("receivableId") else "active"
    tx.put_json(keys.class_key(cls["id"]), cls)
    if record.get("receivableId"):
        receivable = await tx.get_json(keys.receivable_key(record["receivableId"]))
        if receivable is not None:
            receivable.update({"status": "settled", "settledAt": tx.now})
            tx.put_json(keys.receivable_key(record["receivableId"]), receivable)
