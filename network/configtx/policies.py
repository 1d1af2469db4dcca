"""Policies as configtxgen encodes them (``common/policydsl/policyparser.go``, ``common/policies/implicitmeta*.go``).

Two kinds appear in a channel config:

- ImplicitMeta ``"<ANY|ALL|MAJORITY> <SubPolicy>"``: ``Policy{type=IMPLICIT_META, value=ImplicitMetaPolicy}``;
- Signature policies written in Fabric's DSL, e.g. ``OR('Org1MSP.member')`` or ``OutOf(2, 'A.peer', 'B.peer')``:
  ``Policy{type=SIGNATURE, value=SignaturePolicyEnvelope}``. As in Fabric's parser every principal occurrence
  appends a new identity (no de-duplication) and ``signed_by`` indexes identities in order of appearance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fabric_protos.common import policies_pb2
from fabric_protos.msp import msp_principal_pb2

ROLES = {
    "member": msp_principal_pb2.MSPRole.MEMBER,
    "admin": msp_principal_pb2.MSPRole.ADMIN,
    "client": msp_principal_pb2.MSPRole.CLIENT,
    "peer": msp_principal_pb2.MSPRole.PEER,
    "orderer": msp_principal_pb2.MSPRole.ORDERER,
}
IMPLICIT_META_RULES = {
    "ANY": policies_pb2.ImplicitMetaPolicy.ANY,
    "ALL": policies_pb2.ImplicitMetaPolicy.ALL,
    "MAJORITY": policies_pb2.ImplicitMetaPolicy.MAJORITY,
}
IMPLICIT_META_RE = re.compile(r"^(ANY|ALL|MAJORITY) [A-Za-z0-9_.-]+$")
_TOKEN = re.compile(r"\s*(?:(?P<word>[A-Za-z]+)|(?P<num>[0-9]+)|(?P<quoted>'[^']*')|(?P<punct>[(),]))")


class PolicyError(ValueError):
    """A policy string that Fabric's parsers would reject."""


def implicit_meta(text: str) -> policies_pb2.Policy:
    """``"MAJORITY Admins"`` -> Policy{IMPLICIT_META}; sub-policy names are case-sensitive as in Fabric."""
    parts = text.split()
    if len(parts) != 2 or parts[0] not in IMPLICIT_META_RULES:
        raise PolicyError(f"{text!r}: expected '<ANY|ALL|MAJORITY> <SubPolicy>'")
    meta = policies_pb2.ImplicitMetaPolicy(sub_policy=parts[1], rule=IMPLICIT_META_RULES[parts[0]])
    return policies_pb2.Policy(type=policies_pb2.Policy.IMPLICIT_META, value=meta.SerializeToString())


def role_principal(msp_id: str, role: str) -> msp_principal_pb2.MSPPrincipal:
    if role not in ROLES:
        raise PolicyError(f"unknown role {role!r} in principal '{msp_id}.{role}' (one of {sorted(ROLES)})")
    principal = msp_principal_pb2.MSPRole(msp_identifier=msp_id, role=ROLES[role])
    return msp_principal_pb2.MSPPrincipal(
        principal_classification=msp_principal_pb2.MSPPrincipal.ROLE, principal=principal.SerializeToString()
    )


@dataclass
class _Parser:
    tokens: list[str]
    pos: int = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise PolicyError(f"expected {expected or 'more input'!r} at token {self.pos}, found {token!r}")
        self.pos += 1
        return token


def _tokenize(text: str) -> list[str]:
    tokens, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise PolicyError(f"unexpected character {text[pos]!r} at offset {pos} in {text!r}")
        tokens.append(match.group().strip())
        pos = match.end()
    return [t for t in tokens if t]


def _rule(p: _Parser, identities: list[msp_principal_pb2.MSPPrincipal]) -> policies_pb2.SignaturePolicy:
    token = p.take()
    if token.startswith("'"):
        msp_id, _, role = token[1:-1].rpartition(".")
        if not msp_id:
            raise PolicyError(f"principal {token} must look like 'MSPID.role'")
        identities.append(role_principal(msp_id, role))
        return policies_pb2.SignaturePolicy(signed_by=len(identities) - 1)
    op = token.lower()
    if op not in ("and", "or", "outof"):
        raise PolicyError(f"unknown operator {token!r} (AND, OR, OutOf)")
    p.take("(")
    n = None
    if op == "outof":
        n_token = p.take()
        if not n_token.isdigit():
            raise PolicyError(f"OutOf needs a number first, found {n_token!r}")
        n = int(n_token)
        p.take(",")
    rules = [_rule(p, identities)]
    while p.peek() == ",":
        p.take(",")
        rules.append(_rule(p, identities))
    p.take(")")
    if n is None:
        n = len(rules) if op == "and" else 1
    if not 0 < n <= len(rules):
        raise PolicyError(f"OutOf({n}, ...) with {len(rules)} sub-rules can never be satisfied")
    return policies_pb2.SignaturePolicy(n_out_of=policies_pb2.SignaturePolicy.NOutOf(n=n, rules=rules))


def signature_envelope(text: str) -> policies_pb2.SignaturePolicyEnvelope:
    """Parse Fabric's signature-policy DSL into a ``SignaturePolicyEnvelope`` (version 0)."""
    parser = _Parser(_tokenize(text))
    identities: list[msp_principal_pb2.MSPPrincipal] = []
    rule = _rule(parser, identities)
    if parser.peek() is not None:
        raise PolicyError(f"trailing input after policy: {parser.tokens[parser.pos :]}")
    return policies_pb2.SignaturePolicyEnvelope(version=0, rule=rule, identities=identities)


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
