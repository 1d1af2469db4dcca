"""Chaincode event schema (stable, version 1).

Every state-changing transaction emits exactly one chaincode event (Fabric keeps only one per
transaction). ``event_name`` is the event type below; ``payload`` is canonical JSON:

    {"schema":"assetregistry.event/v1","type":"<EventType>","txId":"...","time":<unix seconds>,
     "actor":{"msp":"Org1MSP","cn":"alice"},"data":{...event specific...}}

Amounts inside ``data`` are decimal strings. Event types are listed in ``EVENT_TYPES`` and in the
chaincode README together with their ``data`` fields.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chaincode.assetregistry.txstate import Tx

SCHEMA = "assetregistry.event/v1"

EVENT_TYPES = (
    "ClassRegistered", "ClassPaused", "ClassUnpaused", "ClassRulesUpdated",
    "Minted", "ItemMinted", "Burned", "Redeemed", "ItemBurned",
    "Transferred", "ItemTransferred", "BatchTransferred", "Approved", "TransferredFrom",
    "TransferProposed", "TransferAccepted", "TransferRejected", "TransferExpired",
    "SwapProposed", "SwapSettled", "SwapCancelled",
    "KycGranted", "KycRevoked", "AccountFrozen", "AccountUnfrozen", "ForcedTransfer",
    "UnderlyingRegistered", "UnderlyingAttested",
    "Compacted", "DistributionCreated", "DistributionProgressed", "DistributionCompleted",
    "ReceivableCreated", "ReceivableSettlementStarted",
)


def event_envelope(name: str, tx: Tx, data: dict[str, Any]) -> dict[str, Any]:
    if name not in EVENT_TYPES:
        raise ValueError(f"unknown event type {name}")
    return {
        "schema": SCHEMA,
        "type": name,
        "txId": tx.tx_id,
        "time": tx.now,
        "actor": {"msp": tx.caller.msp_id, "cn": tx.caller.common_name},
        "data": data,
    }
