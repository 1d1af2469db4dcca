"""Reading the pieces of a block the ledger needs: txids, headers and the public rwset of each transaction.

Parsing is lenient by design: a transaction that does not parse simply yields no rwset. Whether it is valid
was already decided by the validator and recorded in ``metadata[TRANSACTIONS_FILTER]``; the ledger only
applies the writes of transactions flagged VALID (``core/ledger/kvledger/txmgmt/validation/
batch_preparer.go`` ``preprocessProtoBlock``).
"""

from __future__ import annotations

from dataclasses import dataclass

from fabric_protos.common import common_pb2
from fabric_protos.ledger.rwset import rwset_pb2
from fabric_protos.peer import proposal_pb2, proposal_response_pb2, transaction_pb2
from google.protobuf.message import DecodeError

from network.devnet.ledger.parsedrwset import ParsedRWSet, parse_tx_rwset

TRANSACTIONS_FILTER = common_pb2.BlockMetadataIndex.TRANSACTIONS_FILTER
COMMIT_HASH = common_pb2.BlockMetadataIndex.COMMIT_HASH


@dataclass(frozen=True)
class TxSummary:
    """What the ledger indexes about one transaction of a block. ``rwset_undecodable``: an endorser
    transaction whose rwset (or a nested set of it) does not decode, so ``rwset`` is None."""

    tx_num: int
    txid: str
    header_type: int
    timestamp_seconds: int
    timestamp_nanos: int
    rwset: ParsedRWSet | None
    rwset_undecodable: bool = False


def ensure_metadata_slots(block: common_pb2.Block) -> None:
    """Blocks always carry five metadata entries (``protoutil.InitBlockMetadata``)."""
    while len(block.metadata.metadata) < 5:
        block.metadata.metadata.append(b"")


def transactions_filter(block: common_pb2.Block) -> bytes:
    ensure_metadata_slots(block)
    return bytes(block.metadata.metadata[TRANSACTIONS_FILTER])


def endorser_tx_rwset(payload: common_pb2.Payload) -> rwset_pb2.TxReadWriteSet:
    """Payload -> Transaction -> ChaincodeActionPayload -> ProposalResponsePayload -> ChaincodeAction.results."""
    tx = transaction_pb2.Transaction.FromString(payload.data)
    if len(tx.actions) != 1:
        raise ValueError("transaction must have exactly one action")
    cap = transaction_pb2.ChaincodeActionPayload.FromString(tx.actions[0].payload)
    prp = proposal_response_pb2.ProposalResponsePayload.FromString(cap.action.proposal_response_payload)
    action = proposal_pb2.ChaincodeAction.FromString(prp.extension)
    return rwset_pb2.TxReadWriteSet.FromString(action.results)


def summarize_tx(tx_num: int, env_bytes: bytes) -> TxSummary:
    txid, htype, secs, nanos = "", -1, 0, 0
    rwset: ParsedRWSet | None = None
    undecodable = False
    try:
        env = common_pb2.Envelope.FromString(env_bytes)
        payload = common_pb2.Payload.FromString(env.payload)
        chdr = common_pb2.ChannelHeader.FromString(payload.header.channel_header)
        txid, htype = chdr.tx_id, chdr.type
        secs, nanos = chdr.timestamp.seconds, chdr.timestamp.nanos
        if htype == common_pb2.ENDORSER_TRANSACTION:
            undecodable = True
            rwset = parse_tx_rwset(endorser_tx_rwset(payload))
            undecodable = False
    except (DecodeError, ValueError):
        pass
    return TxSummary(tx_num, txid, htype, secs, nanos, rwset, undecodable)


def summarize_block(block: common_pb2.Block) -> list[TxSummary]:
    return [summarize_tx(i, data) for i, data in enumerate(block.data.data)]
