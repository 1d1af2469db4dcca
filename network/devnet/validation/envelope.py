"""Structural checks of one transaction envelope (``core/common/validation/msgvalidation.go``
``ValidateTransaction``, ``validateCommonHeader``, ``checkSignatureFromCreator``,
``validateEndorserTransaction``), in Fabric's order, each failure mapped to Fabric's code.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from fabric_protos.common import common_pb2
from fabric_protos.peer import proposal_response_pb2, transaction_pb2
from google.protobuf.message import DecodeError

from gateway.client.txid import compute_txid
from network.devnet.msp import IdentityError, MSPManager
from network.devnet.validation import codes

ENDORSER_TRANSACTION = common_pb2.ENDORSER_TRANSACTION
CONFIG = common_pb2.CONFIG
CONFIG_UPDATE = common_pb2.CONFIG_UPDATE
"""``HeaderType`` values as plain ints (an enum wrapper attribute costs a Python call per read)."""


@dataclass(frozen=True)
class EndorserTxParts:
    """The pieces ``validateEndorserTransaction`` decoded, kept so later rules do not decode them again."""

    transaction: transaction_pb2.Transaction
    action_payload: transaction_pb2.ChaincodeActionPayload
    response_payload: proposal_response_pb2.ProposalResponsePayload


@dataclass(frozen=True)
class CheckedEnvelope:
    """An envelope that passed the structural checks (``endorser`` is set for endorser transactions)."""

    envelope: common_pb2.Envelope
    payload: common_pb2.Payload
    channel_header: common_pb2.ChannelHeader
    signature_header: common_pb2.SignatureHeader
    endorser: EndorserTxParts | None = None


class Invalid(Exception):
    """A rule failed; carries the TxValidationCode Fabric assigns."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code


def parse_envelope(data: bytes) -> common_pb2.Envelope:
    """Block entries must be Envelopes (``GetEnvelopeFromBlock``, else INVALID_OTHER_REASON). Go decodes
    empty bytes into an empty, non-nil Envelope, so NIL_ENVELOPE never arises from block data; an empty
    entry fails later on its missing header (BAD_COMMON_HEADER)."""
    try:
        return common_pb2.Envelope.FromString(data)
    except DecodeError as exc:
        raise Invalid(codes.INVALID_OTHER_REASON, f"not an envelope: {exc}") from exc


def parse_payload(env: common_pb2.Envelope) -> common_pb2.Payload:
    try:
        payload = common_pb2.Payload.FromString(env.payload)
    except DecodeError as exc:
        raise Invalid(codes.BAD_PAYLOAD, f"payload: {exc}") from exc
    if not payload.HasField("header"):
        raise Invalid(codes.BAD_COMMON_HEADER, "payload.header: missing")
    return payload


def validate_channel_header(chdr: common_pb2.ChannelHeader) -> None:
    """Header type must be ENDORSER_TRANSACTION, CONFIG_UPDATE or CONFIG; epoch must be 0."""
    if chdr.type not in (ENDORSER_TRANSACTION, CONFIG_UPDATE, CONFIG):
        raise Invalid(codes.BAD_COMMON_HEADER, f"channel_header.type: invalid header type {chdr.type}")
    if chdr.epoch != 0:
        raise Invalid(codes.BAD_COMMON_HEADER, f"channel_header.epoch: expected 0, got {chdr.epoch}")


def validate_signature_header(shdr: common_pb2.SignatureHeader, where: str = "signature_header") -> None:
    """``validateSignatureHeader``: nonce and creator must be present."""
    if not shdr.nonce:
        raise Invalid(codes.BAD_COMMON_HEADER, f"{where}.nonce: empty")
    if not shdr.creator:
        raise Invalid(codes.BAD_COMMON_HEADER, f"{where}.creator: empty")


def validate_common_header(header: common_pb2.Header) -> tuple[common_pb2.ChannelHeader, common_pb2.SignatureHeader]:
    try:
        chdr = common_pb2.ChannelHeader.FromString(header.channel_header)
        shdr = common_pb2.SignatureHeader.FromString(header.signature_header)
    except DecodeError as exc:
        raise Invalid(codes.BAD_COMMON_HEADER, f"header: {exc}") from exc
    validate_channel_header(chdr)
    validate_signature_header(shdr)
    return chdr, shdr


def check_creator_signature(creator: bytes, signature: bytes, message: bytes, msp_manager: MSPManager) -> None:
    """``checkSignatureFromCreator``: deserialize with the channel MSPs, Validate(), Verify()."""
    if not signature or not message:
        raise Invalid(codes.BAD_CREATOR_SIGNATURE, "signature: empty")
    try:
        creator_id = msp_manager.deserialize_identity(creator)
        creator_id.validate()
    except IdentityError as exc:
        raise Invalid(codes.BAD_CREATOR_SIGNATURE, f"creator: {exc}") from exc
    if not creator_id.verify(message, signature):
        raise Invalid(codes.BAD_CREATOR_SIGNATURE, "signature: does not verify against the creator")


def check_txid(chdr: common_pb2.ChannelHeader, shdr: common_pb2.SignatureHeader) -> None:
    """``CheckTxID``: tx_id == hex(SHA-256(nonce || creator))."""
    if chdr.tx_id != compute_txid(shdr.nonce, shdr.creator):
        raise Invalid(codes.BAD_PROPOSAL_TXID, f"channel_header.tx_id: {chdr.tx_id!r} is not SHA-256(nonce||creator)")


def proposal_hash2(channel_header: bytes, signature_header: bytes, chaincode_proposal_payload: bytes) -> bytes:
    """``GetProposalHash2``: hash of the header bytes and the payload exactly as stored in the transaction."""
    return hashlib.sha256(channel_header + signature_header + chaincode_proposal_payload).digest()


def validate_endorser_transaction(payload: common_pb2.Payload) -> EndorserTxParts:
    """One action, a good action signature header, and the proposal hash binding (``validateEndorserTransaction``)."""
    try:
        tx = transaction_pb2.Transaction.FromString(payload.data)
        if len(tx.actions) != 1:
            raise Invalid(
                codes.INVALID_ENDORSER_TRANSACTION, f"transaction.actions: exactly one supported, got {len(tx.actions)}"
            )
        action = tx.actions[0]
        shdr = common_pb2.SignatureHeader.FromString(action.header)
        try:
            validate_signature_header(shdr, "actions[0].header")
        except Invalid as exc:
            raise Invalid(codes.INVALID_ENDORSER_TRANSACTION, str(exc)) from exc
        cap = transaction_pb2.ChaincodeActionPayload.FromString(action.payload)
        prp = proposal_response_pb2.ProposalResponsePayload.FromString(cap.action.proposal_response_payload)
    except DecodeError as exc:
        raise Invalid(codes.INVALID_ENDORSER_TRANSACTION, f"transaction: {exc}") from exc
    expected = proposal_hash2(payload.header.channel_header, action.header, cap.chaincode_proposal_payload)
    if expected != prp.proposal_hash:
        raise Invalid(codes.INVALID_ENDORSER_TRANSACTION, "proposal_hash: does not match the transaction's proposal")
    return EndorserTxParts(tx, cap, prp)


def validate_transaction(data: bytes, msp_manager: MSPManager) -> CheckedEnvelope:
    """``ValidateTransaction``: raises :class:`Invalid` with Fabric's code, else the parsed pieces."""
    env = parse_envelope(data)
    payload = parse_payload(env)
    chdr, shdr = validate_common_header(payload.header)
    check_creator_signature(shdr.creator, env.signature, env.payload, msp_manager)
    endorser = None
    if chdr.type == ENDORSER_TRANSACTION:
        check_txid(chdr, shdr)
        endorser = validate_endorser_transaction(payload)
    elif chdr.type != CONFIG:
        raise Invalid(codes.UNSUPPORTED_TX_PAYLOAD, f"channel_header.type: {chdr.type} not supported in a block")
    return CheckedEnvelope(env, payload, chdr, shdr, endorser)
