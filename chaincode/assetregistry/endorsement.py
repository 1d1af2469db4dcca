"""Key-level (state-based) endorsement policies.

Why: the chaincode-level policy is MAJORITY, so a majority of orgs could otherwise endorse a write to an
item owned by a minority org. Fabric's v20 validator evaluates a key's ``VALIDATION_PARAMETER`` metadata
(a ``SignaturePolicyEnvelope``) instead of the chaincode policy for that key
(``core/common/validation/statebased/validator_keylevel.go``). We set it to ``OR('<owner MSP>.member')``
on every key holding an org's position, and move it when the owner org changes.
"""

from __future__ import annotations

from fabric_protos.common import policies_pb2
from fabric_protos.msp import msp_principal_pb2


def owner_org_policy(msp_id: str) -> bytes:
    """``OR('<msp_id>.member')`` as a serialised SignaturePolicyEnvelope (``policydsl`` encoding)."""
    role = msp_principal_pb2.MSPRole(msp_identifier=msp_id, role=msp_principal_pb2.MSPRole.MEMBER)
    principal = msp_principal_pb2.MSPPrincipal(
        principal_classification=msp_principal_pb2.MSPPrincipal.ROLE, principal=role.SerializeToString()
    )
    rule = policies_pb2.SignaturePolicy(
        n_out_of=policies_pb2.SignaturePolicy.NOutOf(n=1, rules=[policies_pb2.SignaturePolicy(signed_by=0)])
    )
    envelope = policies_pb2.SignaturePolicyEnvelope(version=0, rule=rule, identities=[principal])
    return envelope.SerializeToString(deterministic=True)


def policy_orgs(policy: bytes) -> list[str]:
    """MSP IDs named by a policy built with :func:`owner_org_policy` (for queries and tests)."""
    envelope = policies_pb2.SignaturePolicyEnvelope.FromString(policy)
    orgs = []
    for principal in envelope.identities:
        role = msp_principal_pb2.MSPRole.FromString(principal.principal)
        orgs.append(role.msp_identifier)
    return orgs
