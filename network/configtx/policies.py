"""Policies as configtxgen encodes them (parsing: :mod:`network.configtx.policydsl`, shared with devnet).

Two kinds appear in a channel config:

- ImplicitMeta ``"<ANY|ALL|MAJORITY> <SubPolicy>"``: ``Policy{type=IMPLICIT_META, value=ImplicitMetaPolicy}``;
- Signature policies written in Fabric's DSL, e.g. ``OR('Org1MSP.member')`` or ``OutOf(2, 'A.peer', 'B.peer')``:
  ``Policy{type=SIGNATURE, value=SignaturePolicyEnvelope}``. As in Fabric's parser every principal occurrence
  appends a new identity (no de-duplication) and ``signed_by`` indexes identities in order of appearance.
"""

from __future__ import annotations

import re

from fabric_protos.common import policies_pb2
from fabric_protos.msp import msp_principal_pb2

from network.configtx.policydsl import PolicyError, from_string, parse_implicit_meta, role_principal

__all__ = [
    "IMPLICIT_META_RE",
    "PolicyError",
    "implicit_meta",
    "org_default_policies",
    "policy_from_rule",
    "principal_msp_ids",
    "role_principal",
    "signature",
    "signature_envelope",
]

IMPLICIT_META_RE = re.compile(r"^(ANY|ALL|MAJORITY) [A-Za-z0-9_.-]+$")


def implicit_meta(text: str) -> policies_pb2.Policy:
    """``"MAJORITY Admins"`` -> Policy{IMPLICIT_META}; sub-policy names are case-sensitive as in Fabric."""
    meta = parse_implicit_meta(text)
    return policies_pb2.Policy(type=policies_pb2.Policy.IMPLICIT_META, value=meta.SerializeToString())


def signature_envelope(text: str) -> policies_pb2.SignaturePolicyEnvelope:
    """Parse Fabric's signature-policy DSL into a ``SignaturePolicyEnvelope`` (version 0)."""
    return from_string(text)


def principal_msp_ids(text: str) -> list[str]:
    """MSP IDs named by a signature-policy string (empty for an implicit-meta rule)."""
    if IMPLICIT_META_RE.match(text):
        return []
    envelope = signature_envelope(text)
    return [msp_principal_pb2.MSPRole.FromString(p.principal).msp_identifier for p in envelope.identities]


def policy_from_rule(text: str) -> policies_pb2.Policy:
    """``"MAJORITY Endorsement"`` -> ImplicitMeta; anything else is parsed as a signature policy."""
    return implicit_meta(text) if IMPLICIT_META_RE.match(text) else signature(text)


def signature(text: str) -> policies_pb2.Policy:
    envelope = signature_envelope(text)
    return policies_pb2.Policy(type=policies_pb2.Policy.SIGNATURE, value=envelope.SerializeToString())


def org_default_policies(msp_id: str, *, endorsement: bool) -> dict[str, policies_pb2.Policy]:
    """Per-org defaults of table 5.3: Readers/Writers/Endorsement = member, Admins = admin."""
    policies = {
        "Readers": signature(f"OR('{msp_id}.member')"),
        "Writers": signature(f"OR('{msp_id}.member')"),
        "Admins": signature(f"OR('{msp_id}.admin')"),
    }
    if endorsement:
        policies["Endorsement"] = signature(f"OR('{msp_id}.member')")
    return policies
