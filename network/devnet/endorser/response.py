"""The endorser's answer (``core/endorser/endorser.go`` ``ProcessProposalSuccessfullyOrError``,
``buildChaincodeInterest``; ``protoutil/proputils.go``; default ESCC ``default_endorsement.go``).

Status rules: ``>= 500`` -> response + payload + interest, no endorsement; ``400..499`` -> response only;
otherwise endorsed, ``version=1``, signature over ``prp_bytes || endorser``.
"""

from __future__ import annotations

from collections.abc import Callable

from fabric_protos.common import policies_pb2
from fabric_protos.ledger.rwset import rwset_pb2
from fabric_protos.ledger.rwset.kvrwset import kv_rwset_pb2
from fabric_protos.peer import chaincode_event_pb2, chaincode_pb2, proposal_pb2, proposal_response_pb2

from gateway.client.identity import Signer

OK = 200
ERROR_THRESHOLD = 400
ERROR = 500
VALIDATION_PARAMETER = "VALIDATION_PARAMETER"
SYSTEM_CHAINCODES = frozenset({"_lifecycle", "lscc", "qscc", "cscc"})

MetadataLookup = Callable[[str, str], dict[str, bytes]]
"""(namespace, key) -> committed metadata of the key."""


def proposal_response_payload(proposal_hash: bytes, response: proposal_response_pb2.Response, results: bytes,
                              event: chaincode_event_pb2.ChaincodeEvent | None, cc_name: str,
                              version: str) -> bytes:
    """``GetBytesProposalResponsePayload``: ProposalResponsePayload{proposal_hash, extension=ChaincodeAction}."""
    action = proposal_pb2.ChaincodeAction(
        results=results, events=event.SerializeToString() if event is not None else b"", response=response,
        chaincode_id=chaincode_pb2.ChaincodeID(name=cc_name, version=version))
    return proposal_response_pb2.ProposalResponsePayload(
        proposal_hash=proposal_hash, extension=action.SerializeToString()).SerializeToString()


def endorse(prp_bytes: bytes, endorser: bytes, signer: Signer) -> proposal_response_pb2.Endorsement:
    """Default ESCC: the peer signs ``prp_bytes || endorser``."""
    return proposal_response_pb2.Endorsement(endorser=endorser, signature=signer(prp_bytes + endorser))


def chaincode_interest(rwset: rwset_pb2.TxReadWriteSet, committed_metadata: MetadataLookup,
                       ) -> proposal_response_pb2.ChaincodeInterest:
    """``buildChaincodeInterest`` (public data): every touched application namespace needs its chaincode
    policy unless all its written keys carry a key-level VALIDATION_PARAMETER, whose policies are listed."""
    interest = proposal_response_pb2.ChaincodeInterest()
    for ns_rwset in sorted(rwset.ns_rwset, key=lambda n: n.namespace.encode()):
        ns = ns_rwset.namespace
        if ns in SYSTEM_CHAINCODES:
            continue
        kv = kv_rwset_pb2.KVRWSet.FromString(ns_rwset.rwset)
        written = sorted({w.key for w in kv.writes} | {m.key for m in kv.metadata_writes}, key=str.encode)
        key_policies: list[policies_pb2.SignaturePolicyEnvelope] = []
        needs_cc_policy = not written
        for key in written:
            vp = committed_metadata(ns, key).get(VALIDATION_PARAMETER)
            if vp:
                key_policies.append(policies_pb2.SignaturePolicyEnvelope.FromString(vp))
            else:
                needs_cc_policy = True
        call = proposal_response_pb2.ChaincodeCall(name=ns)
        if key_policies:
            call.key_policies.extend(key_policies)
            call.disregard_namespace_policy = not needs_cc_policy
        elif not needs_cc_policy:
            continue
        interest.chaincodes.append(call)
    return interest


def build_proposal_response(response: proposal_response_pb2.Response, prp_bytes: bytes,
                            interest: proposal_response_pb2.ChaincodeInterest | None,
                            endorser: bytes, signer: Signer, channel_id: str) -> proposal_response_pb2.ProposalResponse:
    """Apply the status rules of ``ProcessProposalSuccessfullyOrError``."""
    if response.status >= ERROR:
        out = proposal_response_pb2.ProposalResponse(response=response, payload=prp_bytes)
        if interest is not None:
            out.interest.CopyFrom(interest)
        return out
    if not channel_id or response.status >= ERROR_THRESHOLD:
        return proposal_response_pb2.ProposalResponse(response=response)
    out = proposal_response_pb2.ProposalResponse(version=1, response=response, payload=prp_bytes,
                                                 endorsement=endorse(prp_bytes, endorser, signer))
    if interest is not None:
        out.interest.CopyFrom(interest)
    return out


def error_response(message: str) -> proposal_response_pb2.ProposalResponse:
    return proposal_response_pb2.ProposalResponse(
        response=proposal_response_pb2.Response(status=ERROR, message=message))
