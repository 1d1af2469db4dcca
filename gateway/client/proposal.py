"""Chaincode proposals, built exactly as Fabric's own clients build them.

Structure (``protoutil/proputils.go`` ``CreateChaincodeProposalWithTxIDNonceAndTransient``; reference 2.1)::

    SignedProposal{proposal_bytes = Proposal{header = Header{channel_header, signature_header},
                                             payload = ChaincodeProposalPayload{input = CIS, TransientMap}},
                   signature = Sign(proposal_bytes)}

The peer recomputes ``tx_id`` from the signature header (``CheckTxID``), verifies the signature over the exact
``proposal_bytes`` and hashes the header and transient-free payload into ``proposal_hash`` (reference 2.2), so
every byte string here is produced once and carried, never re-marshalled.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

from fabric_protos.common import common_pb2
from fabric_protos.gateway import gateway_pb2
from fabric_protos.peer import chaincode_pb2, proposal_pb2
from google.protobuf import timestamp_pb2
from google.protobuf.message import DecodeError

from gateway.client.context import ClientContext, deadline
from gateway.client.errors import EndorseError, EvaluateError, InvalidArgumentError
from gateway.client.fields import as_bytes, decode_bytes, require_name, require_nonempty
from gateway.client.identity import Identity, Signer
from gateway.client.rpc import Exchange, Flow, blocking
from gateway.client.signable import OfflineSignable, with_signer
from gateway.client.transaction import Transaction, TransactionBase, require_envelope_for_proposal
from gateway.client.txid import compute_txid, new_nonce
from gateway.client.txpayload import payload_without_transient, proposal_hash

__all__ = [
    "build_proposal",
    "build_signed_proposal",
    "Proposal",
    "payload_without_transient",
    "proposal_hash",
    "require_name",
    "signed_proposal",
]

Timestamp = datetime | timestamp_pb2.Timestamp | None

# Read once: protobuf enum attributes are looked up through a Python ``__getattr__`` on every access.
NODE = chaincode_pb2.ChaincodeSpec.Type.NODE
ENDORSER_TRANSACTION = common_pb2.HeaderType.ENDORSER_TRANSACTION


def normalize_args(args: Sequence[bytes | str]) -> list[bytes]:
    """``ChaincodeInput.args`` = [function name, arg1, ...]; the function name must be present."""
    if isinstance(args, str | bytes) or not isinstance(args, Sequence):
        raise InvalidArgumentError("args", "must be a list of bytes, function name first")
    if len(args) == 0:
        raise InvalidArgumentError("args", "must contain at least the function name")
    return [as_bytes(f"args[{i}]", a) for i, a in enumerate(args)]


def normalize_transient(transient: Mapping[str, bytes | str] | None) -> dict[str, bytes]:
    if transient is None:
        return {}
    if not isinstance(transient, Mapping):
        raise InvalidArgumentError("transient", "must be a mapping of str to bytes")
    out: dict[str, bytes] = {}
    for key, value in transient.items():
        if not isinstance(key, str) or not key:
            raise InvalidArgumentError("transient", f"key {key!r} must be a non-empty string")
        out[key] = as_bytes(f"transient[{key!r}]", value)
    return out


def to_timestamp(value: Timestamp) -> timestamp_pb2.Timestamp:
    """Proposal time; the peer's TimeWindowCheck rejects it if more than 15 minutes off its own clock."""
    ts = timestamp_pb2.Timestamp()
    if value is None:
        # = GetCurrentTime(), without its detour through a naive datetime and calendar.timegm (~6 us a call)
        ts.seconds, ts.nanos = divmod(time.time_ns(), 1_000_000_000)
    elif isinstance(value, timestamp_pb2.Timestamp):
        ts.CopyFrom(value)
    elif isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidArgumentError("timestamp", "datetime must be timezone-aware")
        ts.FromDatetime(value)
    else:
        raise InvalidArgumentError("timestamp", "must be a datetime or protobuf Timestamp")
    return ts


def chaincode_invocation_spec(chaincode_name: str, args: list[bytes], is_init: bool) -> bytes:
    """``ChaincodeInvocationSpec``; the gateway reads the chaincode name from here (``evaluate.go``).

    ``type`` is ignored by Fabric 2.x+ peers; it is set to NODE because the official fabric-gateway clients do
    (observed on the wire from @hyperledger/fabric-gateway 1.12.1), keeping requests indistinguishable.
    """
    spec = chaincode_pb2.ChaincodeSpec(
        type=NODE,
        chaincode_id=chaincode_pb2.ChaincodeID(name=chaincode_name),
        input=chaincode_pb2.ChaincodeInput(args=args, is_init=is_init),
    )
    return chaincode_pb2.ChaincodeInvocationSpec(chaincode_spec=spec).SerializeToString()


def chaincode_header_extension(chaincode_name: str) -> bytes:
    """The endorser reads the chaincode name from here; it must equal the one in the invocation spec."""
    return proposal_pb2.ChaincodeHeaderExtension(
        chaincode_id=chaincode_pb2.ChaincodeID(name=chaincode_name)
    ).SerializeToString()


def endorser_channel_header(
    channel_id: str, tx_id: str, chaincode_name: str, timestamp: timestamp_pb2.Timestamp, tls_cert_hash: bytes = b""
) -> bytes:
    """``ChannelHeader`` of type ENDORSER_TRANSACTION, version 0, epoch 0 (peer rejects epoch != 0)."""
    return common_pb2.ChannelHeader(
        type=ENDORSER_TRANSACTION,
        version=0,
        timestamp=timestamp,
        channel_id=channel_id,
        tx_id=tx_id,
        epoch=0,
        extension=chaincode_header_extension(chaincode_name),
        tls_cert_hash=tls_cert_hash,
    ).SerializeToString()


def signature_header(creator: bytes, nonce: bytes) -> bytes:
    """``SignatureHeader{creator, nonce}``; both must be non-empty (``ValidateTransaction``)."""
    return common_pb2.SignatureHeader(creator=creator, nonce=nonce).SerializeToString()


def build_proposal(
    identity: Identity,
    channel_id: str,
    chaincode_name: str,
    args: Sequence[bytes | str],
    transient: Mapping[str, bytes | str] | None = None,
    nonce: bytes | None = None,
    is_init: bool = False,
    timestamp: Timestamp = None,
    tls_cert_hash: bytes = b"",
) -> tuple[proposal_pb2.Proposal, str]:
    """The unsigned ``Proposal`` and its txid: the bytes to sign offline are its serialisation."""
    require_name("channel_id", channel_id)
    require_name("chaincode_name", chaincode_name)
    arg_bytes = normalize_args(args)
    transient_map = normalize_transient(transient)
    if nonce is None:
        nonce = new_nonce()
    elif not isinstance(nonce, bytes) or not nonce:
        raise InvalidArgumentError("nonce", "must be non-empty bytes")
    creator = identity.serialize()
    tx_id = compute_txid(nonce, creator)
    header = common_pb2.Header(
        channel_header=endorser_channel_header(
            channel_id, tx_id, chaincode_name, to_timestamp(timestamp), tls_cert_hash
        ),
        signature_header=signature_header(creator, nonce),
    )
    payload = proposal_pb2.ChaincodeProposalPayload(
        input=chaincode_invocation_spec(chaincode_name, arg_bytes, is_init), TransientMap=transient_map
    )
    proposal = proposal_pb2.Proposal(header=header.SerializeToString(), payload=payload.SerializeToString())
    return proposal, tx_id


def signed_proposal(proposal_bytes: bytes, signature: bytes) -> proposal_pb2.SignedProposal:
    """Attach a signature made (possibly elsewhere) over exactly ``proposal_bytes``."""
    return proposal_pb2.SignedProposal(
        proposal_bytes=require_nonempty("proposal_bytes", proposal_bytes),
        signature=require_nonempty("signature", signature),
    )


def sign_proposal(
    built: tuple[proposal_pb2.Proposal, str], signer: Signer
) -> tuple[proposal_pb2.SignedProposal, str]:
    """Sign a built proposal with ``signer`` (a message signer: it hashes with SHA-256 itself)."""
    proposal, tx_id = built
    proposal_bytes = proposal.SerializeToString()
    return signed_proposal(proposal_bytes, signer(proposal_bytes)), tx_id


#: ``build_proposal`` signed by ``signer`` (passed after the identity): ``(SignedProposal, txid)``.
build_signed_proposal = with_signer(build_proposal, sign_proposal)


def normalize_orgs(field: str, orgs: Sequence[str] | None) -> list[str]:
    if orgs is None:
        return []
    if isinstance(orgs, str) or not isinstance(orgs, Sequence):
        raise InvalidArgumentError(field, "must be a list of MSP IDs")
    return [require_name(f"{field}[{i}]", o) for i, o in enumerate(orgs)]


def proposal_channel(proposal_bytes: bytes) -> str:
    """Channel of a serialized proposal; undecodable or channel-less bytes are refused up front."""
    try:
        proposal = proposal_pb2.Proposal.FromString(proposal_bytes)
        header = common_pb2.Header.FromString(proposal.header)
        channel_id = common_pb2.ChannelHeader.FromString(header.channel_header).channel_id
    except DecodeError as error:
        raise InvalidArgumentError("proposal.proposal_bytes", f"not a Fabric proposal: {error}") from error
    return require_name("proposal.proposal_bytes.channel_id", channel_id)


TransactionT = TypeVar("TransactionT", bound=TransactionBase[Any])


class ProposalBase(OfflineSignable[proposal_pb2.SignedProposal], Generic[TransactionT]):
    """A proposed transaction, both flavours; evaluate it, or endorse it into a transaction.

    ``bytes`` is a serialized ``gateway.ProposedTransaction`` (as in the official clients) and ``digest`` the
    hash of the proposal bytes, which is what a remote signer signs; ``gateway.new_signed_proposal`` rebuilds
    the proposal from both.
    """

    signature_field = "proposal"
    transaction_type: type[TransactionT]

    def __init__(
        self, context: ClientContext, proposed: gateway_pb2.ProposedTransaction, channel_id: str | None = None
    ) -> None:
        """``channel_id`` is given only for a proposal this client has just built for that channel: its channel
        header then holds exactly that name (``build_proposal``), so reading it back would repeat it. Proposal
        bytes from elsewhere (``gateway.new_signed_proposal``) are read and checked."""
        super().__init__(context, proposed, proposed.proposal, proposed.proposal.proposal_bytes)
        self._proposed = proposed
        self._channel_id = proposal_channel(proposed.proposal.proposal_bytes) if channel_id is None else channel_id

    @property
    def transaction_id(self) -> str:
        return self._proposed.transaction_id

    @property
    def channel_id(self) -> str:
        return self._channel_id

    @property
    def endorsing_organizations(self) -> list[str]:
        return list(self._proposed.endorsing_organizations)

    def _with_signature(self, signature: bytes) -> proposal_pb2.SignedProposal:
        return signed_proposal(self._signed_bytes, signature)

    def evaluate_request(self) -> gateway_pb2.EvaluateRequest:
        """``endorsing_organizations`` become the evaluation targets (``target_organizations``)."""
        return gateway_pb2.EvaluateRequest(
            transaction_id=self.transaction_id,
            channel_id=self._channel_id,
            proposed_transaction=self._signed(),
            target_organizations=self._proposed.endorsing_organizations,
        )

    def endorse_request(self) -> gateway_pb2.EndorseRequest:
        return gateway_pb2.EndorseRequest(
            transaction_id=self.transaction_id,
            channel_id=self._channel_id,
            proposed_transaction=self._signed(),
            endorsing_organizations=self._proposed.endorsing_organizations,
        )

    def endorsed(self, request: gateway_pb2.EndorseRequest, response: gateway_pb2.EndorseResponse) -> TransactionT:
        """The transaction the gateway prepared in answer to ``request`` (checked to be built on our proposal)."""
        return self.transaction_type(self._context, self._channel_id, prepared_transaction(request, response))

    def evaluate_flow(self, timeout: float | None = None) -> Flow[bytes]:
        """Run on one peer without ordering; returns the chaincode response payload."""
        timeout = deadline(timeout, self._context.timeouts.evaluate)
        stub = self._context.stub
        response = yield Exchange(stub.Evaluate, self.evaluate_request(), timeout, EvaluateError, self.transaction_id)
        return response.result.payload  # type: ignore[no-any-return]

    def endorse_flow(self, timeout: float | None = None) -> Flow[TransactionT]:
        """Collect endorsements through the gateway; the returned transaction is not yet signed or sent."""
        request = self.endorse_request()
        timeout = deadline(timeout, self._context.timeouts.endorse)
        response = yield Exchange(self._context.stub.Endorse, request, timeout, EndorseError, self.transaction_id)
        return self.endorsed(request, response)


class Proposal(ProposalBase[Transaction]):
    transaction_type = Transaction
    evaluate = blocking(ProposalBase.evaluate_flow)
    endorse = blocking(ProposalBase.endorse_flow)


def prepared_transaction(
    request: gateway_pb2.EndorseRequest, response: gateway_pb2.EndorseResponse
) -> gateway_pb2.PreparedTransaction:
    """The gateway's unsigned envelope, accepted only if it is built on our own proposal header."""
    envelope = response.prepared_transaction
    require_envelope_for_proposal(envelope, request.proposed_transaction.proposal_bytes)
    return gateway_pb2.PreparedTransaction(transaction_id=request.transaction_id, envelope=envelope)


def new_proposed_transaction(
    context: ClientContext,
    channel_id: str,
    chaincode_name: str,
    args: Sequence[bytes | str],
    transient: Mapping[str, bytes | str] | None = None,
    endorsing_organizations: Sequence[str] | None = None,
) -> gateway_pb2.ProposedTransaction:
    """An unsigned ``ProposedTransaction`` for ``context.identity`` (signed lazily or offline)."""
    orgs = normalize_orgs("endorsing_organizations", endorsing_organizations)
    proposal, tx_id = build_proposal(context.identity, channel_id, chaincode_name, args, transient)
    return gateway_pb2.ProposedTransaction(
        transaction_id=tx_id,
        proposal=proposal_pb2.SignedProposal(proposal_bytes=proposal.SerializeToString()),
        endorsing_organizations=orgs,
    )


def parse_signed_proposal(data: bytes, signature: bytes) -> gateway_pb2.ProposedTransaction:
    """Inverse of ``Proposal.bytes`` with the offline signature attached."""
    proposed = decode_bytes(gateway_pb2.ProposedTransaction, data)
    return gateway_pb2.ProposedTransaction(
        transaction_id=proposed.transaction_id,
        proposal=signed_proposal(proposed.proposal.proposal_bytes, signature),
        endorsing_organizations=proposed.endorsing_organizations,
    )
