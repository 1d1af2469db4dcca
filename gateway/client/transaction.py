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

from fabric_protos.common import common_pb2
from fabric_protos.peer import proposal_pb2, proposal_response_pb2, transaction_pb2

from gateway.client.errors import EndorsementMismatchError, InvalidArgumentError
from gateway.client.identity import Signer
from gateway.client.proposal import payload_without_transient

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
    if not envelope.payload:
        raise InvalidArgumentError("envelope.payload", "must not be empty")
    if not signature:
        raise InvalidArgumentError("signature", "must not be empty")
    return common_pb2.Envelope(payload=envelope.payload, signature=signature)


def assemble_envelope(
    signed_proposal: ProposalLike,
    responses: Sequence[proposal_response_pb2.ProposalResponse],
    signer: Signer,
) -> common_pb2.Envelope:
    """``CreateSignedTx``: the prepared envelope signed by ``signer`` (a message signer)."""
    envelope = prepare_envelope(signed_proposal, responses)
    return sign_envelope(envelope, signer(envelope.payload))
