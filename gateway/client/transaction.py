"""Turning endorsed proposal responses into a transaction envelope (reference 3.2).

Mirrors ``protoutil/txutils.go`` ``CreateSignedTx`` and the gateway's unsigned variant
(``internal/pkg/gateway/submit.go`` ``prepareTransaction``)::

    Envelope{payload = Payload{header = proposal header (same bytes),
                               data = Transaction{actions = [TransactionAction{
                                   header  = proposal signature_header bytes,
                                   payload = ChaincodeActionPayload{
                                       chaincode_proposal_payload = proposal payload without TransientMap,
                                       action = ChaincodeEndorsedAction{proposal_response_payload, endorsements}}}]}},
             signature = Sign(payload)}

The committer re-derives the proposal hash from these bytes and compares it with the one every endorser signed
(``core/common/validation/msgvalidation.go`` ``validateEndorserTransaction``), so header and payload bytes are
copied from the proposal verbatim.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Generic, Self, TypeVar

from fabric_protos.common import common_pb2
from fabric_protos.gateway import gateway_pb2
from fabric_protos.peer import proposal_pb2, proposal_response_pb2, transaction_pb2
from google.protobuf.message import DecodeError

from gateway.client.commit import HasResult, SubmittedBase, SubmittedTransaction, new_commit
from gateway.client.context import ClientContext, deadline
from gateway.client.errors import EndorsementMismatchError, InvalidArgumentError, SubmitError
from gateway.client.fields import decode_bytes, require_nonempty
from gateway.client.identity import Signer
from gateway.client.rpc import Exchange, Flow, blocking
from gateway.client.signable import OfflineSignable
from gateway.client.txpayload import payload_without_transient

ProposalLike = proposal_pb2.SignedProposal | proposal_pb2.Proposal


def require_successful_responses(responses: Sequence[proposal_response_pb2.ProposalResponse]) -> None:
    """Only 2xx/3xx chaincode responses may be committed (``CreateSignedTx``: status outside [200, 400))."""
    if not responses:
        raise EndorsementMismatchError("at least one proposal response is required")
    for i, r in enumerate(responses):
        if not 200 <= r.response.status < 400:
            raise EndorsementMismatchError(
                f"responses[{i}]: proposal response was not successful, status {r.response.status}: "
                f"{r.response.message}"
            )


def common_response_payload(responses: Sequence[proposal_response_pb2.ProposalResponse]) -> bytes:
    """All endorsers must have signed byte-identical ``ProposalResponsePayload`` s (``CreateSignedTx``)."""
    first = responses[0].payload
    for i, r in enumerate(responses[1:], start=1):
        if r.payload != first:
            raise EndorsementMismatchError(f"responses[{i}]: ProposalResponsePayloads do not match")
    return first


def unique_endorsements(
    responses: Sequence[proposal_response_pb2.ProposalResponse],
) -> list[proposal_response_pb2.Endorsement]:
    """Endorsements in response order, without empty ones and without repeats of the same ``endorser`` bytes.

    A duplicated endorser would otherwise be counted twice by nobody but bloat the block; Fabric drops them
    (``CreateSignedTx``; gateway ``uniqueEndorsements``).
    """
    seen: set[bytes] = set()
    out: list[proposal_response_pb2.Endorsement] = []
    for r in responses:
        if not r.HasField("endorsement"):
            continue
        if r.endorsement.endorser in seen:
            continue
        seen.add(r.endorsement.endorser)
        out.append(r.endorsement)
    if not out:
        raise EndorsementMismatchError("no endorsements in the proposal responses")
    return out


def proposal_of(proposal: ProposalLike) -> proposal_pb2.Proposal:
    if isinstance(proposal, proposal_pb2.SignedProposal):
        return proposal_pb2.Proposal.FromString(proposal.proposal_bytes)
    if isinstance(proposal, proposal_pb2.Proposal):
        return proposal
    raise InvalidArgumentError("proposal", "must be a SignedProposal or Proposal")


def transaction_payload(
    proposal: ProposalLike, responses: Sequence[proposal_response_pb2.ProposalResponse]
) -> common_pb2.Payload:
    """The ``common.Payload`` the creator signs; pure function of the proposal and the responses."""
    require_successful_responses(responses)
    response_payload = common_response_payload(responses)
    endorsements = unique_endorsements(responses)
    prop = proposal_of(proposal)
    header = common_pb2.Header.FromString(prop.header)
    action_payload = transaction_pb2.ChaincodeActionPayload(
        chaincode_proposal_payload=payload_without_transient(prop.payload),
        action=transaction_pb2.ChaincodeEndorsedAction(
            proposal_response_payload=response_payload, endorsements=endorsements
        ),
    )
    tx = transaction_pb2.Transaction(
        actions=[
            transaction_pb2.TransactionAction(
                header=header.signature_header, payload=action_payload.SerializeToString()
            )
        ]
    )
    return common_pb2.Payload(header=header, data=tx.SerializeToString())


def prepare_envelope(
    proposal: ProposalLike, responses: Sequence[proposal_response_pb2.ProposalResponse]
) -> common_pb2.Envelope:
    """The unsigned envelope a gateway returns from ``Endorse`` (``submit.go`` ``prepareTransaction``)."""
    return common_pb2.Envelope(payload=transaction_payload(proposal, responses).SerializeToString())


def sign_envelope(envelope: common_pb2.Envelope, signature: bytes) -> common_pb2.Envelope:
    """A copy of ``envelope`` carrying ``signature`` over its payload bytes (must be the proposal creator's)."""
    return common_pb2.Envelope(
        payload=require_nonempty("envelope.payload", envelope.payload),
        signature=require_nonempty("signature", signature),
    )


def assemble_envelope(
    signed_proposal: ProposalLike,
    responses: Sequence[proposal_response_pb2.ProposalResponse],
    signer: Signer,
) -> common_pb2.Envelope:
    """``CreateSignedTx``: the prepared envelope signed by ``signer`` (a message signer)."""
    envelope = prepare_envelope(signed_proposal, responses)
    return sign_envelope(envelope, signer(envelope.payload))


def result_from_envelope(envelope: common_pb2.Envelope) -> bytes:
    """The chaincode response payload inside a prepared transaction (the value ``submit`` returns)."""
    try:
        payload = common_pb2.Payload.FromString(envelope.payload)
        tx = transaction_pb2.Transaction.FromString(payload.data)
        if len(tx.actions) != 1:
            raise InvalidArgumentError("prepared_transaction", f"expected exactly one action, got {len(tx.actions)}")
        action_payload = transaction_pb2.ChaincodeActionPayload.FromString(tx.actions[0].payload)
        prp = proposal_response_pb2.ProposalResponsePayload.FromString(action_payload.action.proposal_response_payload)
        return proposal_pb2.ChaincodeAction.FromString(prp.extension).response.payload
    except DecodeError as error:
        raise InvalidArgumentError("prepared_transaction", f"not a Fabric endorser transaction: {error}") from error


def require_envelope_for_proposal(envelope: common_pb2.Envelope, proposal_bytes: bytes) -> None:
    """Refuse to sign a prepared transaction whose header is not our proposal's header.

    The gateway builds the envelope; the client's signature on it authorises the write, so the client checks
    that the channel and signature headers are the exact bytes it signed in the proposal (reference 3.2 reuses
    them verbatim).
    """
    try:
        payload = common_pb2.Payload.FromString(envelope.payload)
    except DecodeError as error:
        raise InvalidArgumentError("prepared_transaction.payload", f"undecodable: {error}") from error
    header = common_pb2.Header.FromString(proposal_pb2.Proposal.FromString(proposal_bytes).header)
    if payload.header.channel_header != header.channel_header:
        raise InvalidArgumentError("prepared_transaction.payload.header.channel_header", "differs from the proposal")
    if payload.header.signature_header != header.signature_header:
        raise InvalidArgumentError("prepared_transaction.payload.header.signature_header", "differs from the proposal")


Submitted = TypeVar("Submitted", bound=SubmittedBase)


class TransactionBase(OfflineSignable[common_pb2.Envelope], HasResult, Generic[Submitted]):
    """An endorsed transaction ready to sign and submit, both flavours; ``bytes``/``digest`` allow offline
    signing."""

    signature_field = "transaction"
    submitted_type: type[Submitted]

    def __init__(self, context: ClientContext, channel_id: str, prepared: gateway_pb2.PreparedTransaction) -> None:
        super().__init__(context, prepared, prepared.envelope, prepared.envelope.payload)
        self._channel_id = channel_id
        self._prepared = prepared
        self._result = result_from_envelope(prepared.envelope)

    @property
    def transaction_id(self) -> str:
        return self._prepared.transaction_id

    def _with_signature(self, signature: bytes) -> common_pb2.Envelope:
        return sign_envelope(self._sendable, signature)

    def sign(self) -> Self:
        """A signed copy whose ``bytes`` can be stored and later re-sent via ``gateway.restore_transaction``.

        Re-sending the same signed envelope is safe: its txid is fixed, so Fabric commits it at most once
        (a second copy is marked DUPLICATE_TXID, reference 3.3).
        """
        prepared = gateway_pb2.PreparedTransaction(transaction_id=self.transaction_id, envelope=self._signed())
        return type(self)(self._context, self._channel_id, prepared)

    def submit_request(self) -> gateway_pb2.SubmitRequest:
        return gateway_pb2.SubmitRequest(
            transaction_id=self.transaction_id,
            channel_id=self._channel_id,
            prepared_transaction=self._signed(),
        )

    def commit_request(self) -> gateway_pb2.SignedCommitStatusRequest:
        """The (unsigned) commit status request that follows a successful submit."""
        return new_commit(self._context, self._channel_id, self.transaction_id)

    def submitted(self) -> Submitted:
        """What a successful ``Submit`` leaves the caller: the result and the way to its commit status."""
        return self.submitted_type(self._context, self.commit_request(), self._result)

    def submit_flow(self, timeout: float | None = None) -> Flow[Submitted]:
        """Send to the orderer via the gateway; returns once ordered (not yet committed)."""
        timeout = deadline(timeout, self._context.timeouts.submit)
        yield Exchange(self._context.stub.Submit, self.submit_request(), timeout, SubmitError, self.transaction_id)
        return self.submitted()


class Transaction(TransactionBase[SubmittedTransaction]):
    submitted_type = SubmittedTransaction
    submit = blocking(TransactionBase.submit_flow)


def channel_of(envelope: common_pb2.Envelope) -> str:
    try:
        payload = common_pb2.Payload.FromString(envelope.payload)
        return common_pb2.ChannelHeader.FromString(payload.header.channel_header).channel_id
    except DecodeError as error:
        raise InvalidArgumentError("envelope.payload", f"not a Fabric payload: {error}") from error


def parse_signed_transaction(data: bytes, signature: bytes) -> gateway_pb2.PreparedTransaction:
    """Inverse of ``Transaction.bytes`` with the offline signature attached."""
    prepared = decode_bytes(gateway_pb2.PreparedTransaction, data)
    return gateway_pb2.PreparedTransaction(
        transaction_id=prepared.transaction_id, envelope=sign_envelope(prepared.envelope, signature)
    )


def parse_stored_transaction(data: bytes) -> gateway_pb2.PreparedTransaction:
    """Inverse of ``Transaction.sign().bytes``; the envelope must already carry its signature."""
    prepared = decode_bytes(gateway_pb2.PreparedTransaction, data)
    if not prepared.envelope.payload:
        raise InvalidArgumentError("bytes.envelope.payload", "must not be empty")
    if not prepared.envelope.signature:
        raise InvalidArgumentError("bytes.envelope.signature", "transaction was stored unsigned")
    return prepared
