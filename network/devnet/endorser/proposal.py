"""Unpacking and checking a SignedProposal, rule by rule (``core/endorser/msgvalidation.go``,
``core/handlers/auth/filter/expiration.go``, ``timewindow.go``).

Every check is a small function raising :class:`ProposalError` with Fabric's message; the endorser turns
that into a gRPC error plus ``ProposalResponse{response.status=500}``.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from dataclasses import dataclass
from functools import cached_property

from cryptography import x509
from fabric_protos.common import common_pb2
from fabric_protos.msp import identities_pb2
from fabric_protos.peer import chaincode_pb2, proposal_pb2
from google.protobuf.message import DecodeError

from gateway.client.txid import compute_txid

DEFAULT_TIME_WINDOW = dt.timedelta(minutes=15)
"""``peer.authentication.timewindow`` default."""


class ProposalError(Exception):
    """A proposal that fails a check; the text is what a Fabric peer reports."""


@dataclass(frozen=True)
class UnpackedProposal:
    signed: proposal_pb2.SignedProposal
    proposal: proposal_pb2.Proposal
    header: common_pb2.Header
    channel_header: common_pb2.ChannelHeader
    signature_header: common_pb2.SignatureHeader
    chaincode_name: str
    input: chaincode_pb2.ChaincodeInput
    payload: proposal_pb2.ChaincodeProposalPayload
    proposal_hash: bytes

    @property
    def channel_id(self) -> str:
        return self.channel_header.channel_id

    @property
    def txid(self) -> str:
        return self.channel_header.tx_id

    @property
    def creator(self) -> bytes:
        return self.signature_header.creator


def _decode(message_type: type, data: bytes, what: str):  # type: ignore[no-untyped-def]
    try:
        return message_type.FromString(data)
    except DecodeError as exc:
        raise ProposalError(f"could not unmarshal {what}: {exc}") from exc


def compute_proposal_hash(header: common_pb2.Header, cpp_input: bytes) -> bytes:
    """SHA-256(channel_header || signature_header || marshal(CPP without TransientMap)) (reference 2.2)."""
    no_transient = proposal_pb2.ChaincodeProposalPayload(input=cpp_input).SerializeToString()
    return hashlib.sha256(header.channel_header + header.signature_header + no_transient).digest()


class DecodedProposal:
    """The parts of a SignedProposal, each decoded at most once and only when first asked for.

    Fabric's auth filters (expiration, time window) and ``UnpackProposal`` each unmarshal the same bytes
    again; decoding is a pure function of those bytes, so sharing one decode gives the same parts and the
    same first failure (each part raises the error of the rule that first needs it).
    """

    def __init__(self, signed: proposal_pb2.SignedProposal) -> None:
        self.signed = signed

    @cached_property
    def proposal(self) -> proposal_pb2.Proposal:
        return _decode(proposal_pb2.Proposal, self.signed.proposal_bytes, "proposal")

    @cached_property
    def header(self) -> common_pb2.Header:
        return _decode(common_pb2.Header, self.proposal.header, "header")

    @cached_property
    def signature_header(self) -> common_pb2.SignatureHeader:
        return _decode(common_pb2.SignatureHeader, self.header.signature_header, "signature header")

    @cached_property
    def channel_header(self) -> common_pb2.ChannelHeader:
        return _decode(common_pb2.ChannelHeader, self.header.channel_header, "channel header")


Proposal = proposal_pb2.SignedProposal | DecodedProposal


def decoded(signed: Proposal) -> DecodedProposal:
    return signed if isinstance(signed, DecodedProposal) else DecodedProposal(signed)


def unpack_proposal(signed: Proposal) -> UnpackedProposal:
    """``UnpackProposal``."""
    parts = decoded(signed)
    prop, hdr, chdr, shdr = parts.proposal, parts.header, parts.channel_header, parts.signature_header
    ext = _decode(proposal_pb2.ChaincodeHeaderExtension, chdr.extension, "header extension")
    if not ext.HasField("chaincode_id"):
        raise ProposalError("ChaincodeHeaderExtension.ChaincodeId is nil")
    if not ext.chaincode_id.name:
        raise ProposalError("ChaincodeHeaderExtension.ChaincodeId.Name is empty")
    cpp = _decode(proposal_pb2.ChaincodeProposalPayload, prop.payload, "chaincode proposal payload")
    cis = _decode(chaincode_pb2.ChaincodeInvocationSpec, cpp.input, "chaincode invocation spec")
    if not cis.HasField("chaincode_spec"):
        raise ProposalError("chaincode invocation spec did not contain chaincode spec")
    if not cis.chaincode_spec.HasField("input"):
        raise ProposalError("chaincode input did not contain any input")
    return UnpackedProposal(parts.signed, prop, hdr, chdr, shdr, ext.chaincode_id.name, cis.chaincode_spec.input,
                            cpp, compute_proposal_hash(hdr, cpp.input))


@functools.lru_cache(maxsize=1024)
def creator_expiry(creator: bytes) -> dt.datetime | None:
    """``crypto.ExpiresAt``: NotAfter of the creator cert; None when it cannot be parsed (no check).

    Memoised by the creator bytes: the answer is a pure function of them, and parsing the PEM certificate
    again for every proposal of the same client was the filter's whole cost.
    """
    try:
        sid = identities_pb2.SerializedIdentity.FromString(creator)
        return x509.load_pem_x509_certificate(sid.id_bytes).not_valid_after_utc
    except (DecodeError, ValueError):
        return None


def check_expiration(signed: Proposal, now: dt.datetime) -> None:
    """ExpirationCheck auth filter."""
    expires = creator_expiry(decoded(signed).signature_header.creator)
    if expires is not None and now > expires:
        raise ProposalError("proposal client identity expired")


def check_time_window(signed: Proposal, now: dt.datetime, window: dt.timedelta = DEFAULT_TIME_WINDOW) -> None:
    """TimeWindowCheck auth filter: |timestamp - now| must not exceed the window."""
    req = decoded(signed).channel_header.timestamp.ToDatetime(tzinfo=dt.UTC)
    if abs(now - req) > window:
        raise ProposalError(f"request unauthorized due to incorrect timestamp {req.isoformat()}, peer time "
                            f"{now.isoformat()}, peer.authentication.timewindow {int(window.total_seconds())}s")


def check_header_type(up: UnpackedProposal) -> None:
    if up.channel_header.type not in (common_pb2.ENDORSER_TRANSACTION, common_pb2.CONFIG):
        name = common_pb2.HeaderType.Name(up.channel_header.type) if up.channel_header.type in \
            common_pb2.HeaderType.values() else str(up.channel_header.type)
        raise ProposalError(f"invalid header type {name}")


def check_epoch(up: UnpackedProposal) -> None:
    if up.channel_header.epoch != 0:
        raise ProposalError("epoch is non-zero")


def check_nonce_and_creator(up: UnpackedProposal) -> None:
    if not up.signature_header.nonce:
        raise ProposalError("nonce is empty")
    if not up.signature_header.creator:
        raise ProposalError("creator is empty")


def check_txid(up: UnpackedProposal) -> None:
    """``CheckTxID``: the txid binds nonce and creator."""
    expected = compute_txid(up.signature_header.nonce, up.signature_header.creator)
    if up.txid != expected:
        raise ProposalError(f"incorrectly computed txid '{up.txid}' -- expected '{expected}'")


def check_signature_present(up: UnpackedProposal) -> None:
    if not up.signed.proposal_bytes:
        raise ProposalError("empty proposal bytes")
    if not up.signed.signature:
        raise ProposalError("empty signature bytes")


def check_creator(up: UnpackedProposal, deserializer) -> None:  # type: ignore[no-untyped-def]
    """Creator deserializes, is valid under its MSP, and signed ``proposal_bytes``; any failure is the same
    generic "access denied" (details only in the peer's log)."""
    try:
        mspid = identities_pb2.SerializedIdentity.FromString(up.creator).mspid
    except DecodeError:
        raise ProposalError(f"access denied: channel [{up.channel_id}] creator org unknown, creator is malformed"
                            ) from None
    generic = ProposalError(f"access denied: channel [{up.channel_id}] creator org [{mspid}]")
    try:
        creator = deserializer.deserialize_identity(up.creator)
        creator.validate()
    except Exception as exc:
        raise generic from exc
    if not creator.verify(up.signed.proposal_bytes, up.signed.signature):
        raise generic


def validate_proposal(up: UnpackedProposal, deserializer) -> None:  # type: ignore[no-untyped-def]
    """``(*UnpackedProposal).Validate`` in Fabric's order."""
    try:
        check_header_type(up)
        check_epoch(up)
        check_nonce_and_creator(up)
        check_txid(up)
        check_signature_present(up)
        check_creator(up, deserializer)
    except ProposalError as exc:
        raise ProposalError(f"error validating proposal: {exc}") from exc
