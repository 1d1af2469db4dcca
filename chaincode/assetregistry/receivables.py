"""Supply-chain finance: receivables split into units, sold, and settled pro rata at maturity.

A receivable of ``amount`` (in smallest units of a payment token) becomes a fungible class
``rcv.<id>`` with exactly ``amount`` units minted to the creditor. Units are split and sold with the
ordinary ``Transfer`` / ``ProposeSwap`` transactions. When the debtor pays (``SettleReceivable``), a
distribution of ``amount`` over the unit class opens and its first 50 holders are paid in the same
transaction (so a typical receivable settles automatically, in one transaction); since supply equals the
amount, each holder gets exactly one payment unit per receivable unit (no rounding). Larger holder sets
continue with ``ProcessDistribution``; on completion the unit class is ``settled`` and can no longer move.
"""

from __future__ import annotations

from typing import Any

from chaincode.assetregistry import keys
from chaincode.assetregistry.balances import credit
from chaincode.assetregistry.classes import FUNGIBLE, load_class, parse_rules, put_supply, require_kind
from chaincode.assetregistry.codec import (
    format_amount,
    get_field,
    parse_amount,
    parse_hash,
    parse_id,
    parse_int,
    parse_json_object,
)
from chaincode.assetregistry.distributions import open_distribution, pay_page
from chaincode.assetregistry.errors import ErrorCode, RegistryError, invalid
from chaincode.assetregistry.identity import account_org, parse_account, parse_parties, require_controls_account
from chaincode.assetregistry.records import load_record, require_status
from chaincode.assetregistry.txstate import Tx

AUTO_SETTLE_HOLDERS = 50


def unit_class_id(receivable_id: str) -> str:
    return f"rcv.{receivable_id}"


async def create_receivable(tx: Tx, spec: str) -> dict[str, Any]:
    body = parse_json_object("spec", spec)
    receivable_id = parse_id("spec.id", get_field(body, "id", "spec."))
    creditor, debtor = parse_parties(tx.caller, body, "creditor", "debtor")
    payment_cls = await load_class(tx, get_field(body, "paymentClassId", "spec."), "spec.paymentClassId")
    require_kind(payment_cls, FUNGIBLE, "spec.paymentClassId")
    amount = parse_amount("spec.amount", get_field(body, "amount", "spec."))
    due = parse_int("spec.dueDate", get_field(body, "dueDate", "spec."))
    if due <= tx.now:
        raise invalid("spec.dueDate", "spec.dueDate must be after the transaction time")
    class_id = unit_class_id(receivable_id)
    if await tx.get_raw(keys.receivable_key(receivable_id)) or await tx.get_raw(keys.class_key(class_id)):
        raise RegistryError(ErrorCode.ALREADY_EXISTS, f"receivable {receivable_id} exists", "spec.id")
    unit_class = {"id": class_id, "kind": FUNGIBLE, "category": "receivable", "name": f"receivable {receivable_id}",
                  "issuerOrg": account_org(creditor), "decimals": payment_cls["decimals"],
                  "maxSupply": format_amount(amount), "rules": parse_rules({}), "status": "active",
                  "createdAt": tx.now}
    record = {"id": receivable_id, "classId": class_id, "creditor": creditor, "debtor": debtor,
              "paymentClassId": payment_cls["id"], "amount": format_amount(amount), "dueDate": due,
              "documentHash": parse_hash("spec.documentHash", get_field(body, "documentHash", "spec.")),
              "status": "open", "createdAt": tx.now}
    tx.put_json(keys.class_key(class_id), unit_class)
    put_supply(tx, class_id, amount)
    credit(tx, class_id, creditor, amount)
    tx.put_json(keys.receivable_key(receivable_id), record)
    tx.record_activity(creditor, "ReceivableCreated", {"receivableId": receivable_id})
    tx.emit("ReceivableCreated", record)
    return record


async def settle_receivable(tx: Tx, receivable_id: str, payer: str) -> dict[str, Any]:
    """The debtor (or an account paying for it) pays the face amount; holders are paid pro rata."""
    parse_id("receivableId", receivable_id)
    parse_account("payer", payer)
    require_controls_account(tx.caller, payer, "payer")
    record = await load_record(tx, keys.receivable_key, "receivableId", "receivable", receivable_id)
    require_status(record, "open", "receivableId", "receivable", receivable_id)
    unit_cls = await load_class(tx, record["classId"])
    payment_cls = await load_class(tx, record["paymentClassId"])
    distribution = await open_distribution(tx, f"rcv.{receivable_id}", unit_cls, payment_cls, payer,
                                           int(record["amount"]), "receivable", {"receivableId": receivable_id})
    record.update({"status": "settling", "paidBy": payer, "paidAt": tx.now,
                   "distributionId": distribution["id"], "late": tx.now > record["dueDate"]})
    tx.put_json(keys.receivable_key(receivable_id), record)
    payments = await pay_page(tx, distribution, AUTO_SETTLE_HOLDERS)  # small receivables settle right here
    if distribution["status"] == "completed":
        record = await tx.get_json(keys.receivable_key(receivable_id)) or record
    tx.emit("ReceivableSettlementStarted", {"receivable": record, "distribution": distribution,
                                            "payments": payments})
    return record
