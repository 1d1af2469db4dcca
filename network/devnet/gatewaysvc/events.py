"""Chaincode events from committed blocks (``internal/pkg/gateway/chaincodeevents.go``,
``core/peer/deliverevents.go``; ``event/chaincodeiterator.go``).

Only VALID transactions' events for the requested chaincode are emitted; blocks without matching events are
skipped; the start block comes from ``after_transaction_id`` (if found) or ``start_position``.
"""

from __future__ import annotations

from typing import Any

import grpc
from fabric_protos.common import common_pb2
from fabric_protos.orderer import ab_pb2
from fabric_protos.peer import chaincode_event_pb2, proposal_pb2, proposal_response_pb2, transaction_pb2

from network.devnet.gatewaysvc.errors import GatewayError


def tx_events(envelope_bytes: bytes) -> tuple[str, list[chaincode_event_pb2.ChaincodeEvent]]:
    """(txid, chaincode events) of an endorser transaction; other types have no events."""
    env = common_pb2.Envelope.FromString(envelope_bytes)
    payload = common_pb2.Payload.FromString(env.payload)
    chdr = common_pb2.ChannelHeader.FromString(payload.header.channel_header)
    if chdr.type != common_pb2.ENDORSER_TRANSACTION:
        return chdr.tx_id, []
    events = []
    for action in transaction_pb2.Transaction.FromString(payload.data).actions:
        cap = transaction_pb2.ChaincodeActionPayload.FromString(action.payload)
        prp = proposal_response_pb2.ProposalResponsePayload.FromString(cap.action.proposal_response_payload)
        cc_action = proposal_pb2.ChaincodeAction.FromString(prp.extension)
        if cc_action.events:
            events.append(chaincode_event_pb2.ChaincodeEvent.FromString(cc_action.events))
    return chdr.tx_id, events


def block_events(block: common_pb2.Block, chaincode_id: str, after_txid: str = "",
                 ) -> list[chaincode_event_pb2.ChaincodeEvent]:
    """Events of VALID transactions for ``chaincode_id``; with ``after_txid``, only those after it."""
    txfilter = block.metadata.metadata[common_pb2.TRANSACTIONS_FILTER] if len(block.metadata.metadata) > 2 else b""
    out: list[chaincode_event_pb2.ChaincodeEvent] = []
    seen_after = not after_txid
    for index, raw in enumerate(block.data.data):
        try:
            txid, events = tx_events(raw)
        except Exception:
            continue
        if not seen_after:
            seen_after = txid == after_txid
            continue
        if index >= len(txfilter) or txfilter[index] != transaction_pb2.VALID:
            continue
        out.extend(e for e in events if e.chaincode_id == chaincode_id)
    if after_txid and not seen_after:
        return []
    return out


def start_block(ledger: Any, position: ab_pb2.SeekPosition, after_txid: str) -> tuple[int, str]:
    """``chaincodeEventsStartBlock``: (first block number, txid to skip past or "")."""
    if after_txid:
        status = ledger.txid_status(after_txid)
        if status is not None:
            return int(status[1]), after_txid
    kind = position.WhichOneof("Type")
    if kind is None or kind == "next_commit":
        return int(ledger.height), ""
    if kind == "specified":
        return int(position.specified.number), ""
    raise GatewayError(grpc.StatusCode.INVALID_ARGUMENT, f"invalid start position type: {kind}")
