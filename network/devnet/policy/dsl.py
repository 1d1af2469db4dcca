"""The signature-policy DSL (``common/policydsl``): the parser is the bootstrap's
:mod:`network.configtx.policydsl`, re-exported; ``signed_by_any_member`` is ``policydsl.SignedByAnyMember``.
"""

from __future__ import annotations

from fabric_protos.common import policies_pb2

from network.configtx.policydsl import ROLES, from_string, role_principal

__all__ = ["ROLES", "from_string", "role_principal", "signed_by_any_member"]


def signed_by_any_member(mspids: list[str]) -> policies_pb2.SignaturePolicyEnvelope:
    """``policydsl.SignedByAnyMember``: 1-out-of members of the given MSPs."""
    identities = [role_principal(m, "member") for m in mspids]
    rules = [policies_pb2.SignaturePolicy(signed_by=i) for i in range(len(mspids))]
    return policies_pb2.SignaturePolicyEnvelope(
        version=0,
        rule=policies_pb2.SignaturePolicy(n_out_of=policies_pb2.SignaturePolicy.NOutOf(n=1, rules=rules)),
        identities=identities,
    )
