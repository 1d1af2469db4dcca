"""Fabric's policy strings, parsed once for the bootstrap (which encodes them into the channel config) and for
devnet's peer and orderer (which evaluate them).

- Signature policies in the DSL ``OR('Org1MSP.member', AND('Org2MSP.peer', 'Org3MSP.admin'), OutOf(2, ...))``
  (``common/policydsl/policyparser.go`` ``FromString``): ``AND`` needs all of its arguments, ``OR`` one of them,
  ``OutOf(n, ...)`` n of them. A principal is ``'<MSPID>.<role>'`` (single or double quotes) with role
  member/admin/client/peer/orderer. Each principal occurrence appends a new entry to ``identities`` (no
  de-duplication) and ``signed_by`` indexes them in order of appearance.
- Implicit meta rules ``"<ANY|ALL|MAJORITY> <SubPolicy>"`` (``common/policies/implicitmetaparser.go``
  ``ImplicitMetaFromString``: split on single spaces, rule case-insensitive, sub-policy as written).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from fabric_protos.common import policies_pb2
from fabric_protos.msp import msp_principal_pb2

ROLES = {
    "member": msp_principal_pb2.MSPRole.MEMBER,
    "admin": msp_principal_pb2.MSPRole.ADMIN,
    "client": msp_principal_pb2.MSPRole.CLIENT,
    "peer": msp_principal_pb2.MSPRole.PEER,
    "orderer": msp_principal_pb2.MSPRole.ORDERER,
}
FUNCTIONS = ("AND", "and", "OR", "or", "OutOf", "outof")
_PRINCIPAL = re.compile(r"^([A-Za-z0-9.\-]+)\.([A-Za-z]+)$")
_TOKEN = re.compile(r"\s*(?:(?P<name>[A-Za-z]+)|(?P<num>-?\d+)|(?P<str>'[^']*'|\"[^\"]*\")|(?P<punct>[(),]))")
ImplicitMetaRule = policies_pb2.ImplicitMetaPolicy.Rule


class PolicyError(ValueError):
    """A policy definition that cannot be compiled or parsed (names the offending part)."""


def role_principal(msp_id: str, role: str) -> msp_principal_pb2.MSPPrincipal:
    """``MSPPrincipal{ROLE, MSPRole{msp_identifier, role}}`` for ``'<msp_id>.<role>'``."""
    if role not in ROLES:
        raise PolicyError(f"unknown role {role!r} in principal '{msp_id}.{role}' (one of {sorted(ROLES)})")
    return msp_principal_pb2.MSPPrincipal(
        principal_classification=msp_principal_pb2.MSPPrincipal.ROLE,
        principal=msp_principal_pb2.MSPRole(msp_identifier=msp_id, role=ROLES[role]).SerializeToString(),
    )


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise PolicyError(f"policy {text!r}: unexpected character at offset {pos}")
        kind = m.lastgroup or ""
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    return tokens


@dataclass
class _Parser:
    text: str
    tokens: list[tuple[str, str]]
    pos: int = 0
    identities: list[msp_principal_pb2.MSPPrincipal] = field(default_factory=list)

    def _next(self, expecting: str = "more input") -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise PolicyError(f"policy {self.text!r}: unexpected end, expected {expecting}")
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def _expect(self, value: str) -> None:
        kind, got = self._next(repr(value))
        if got != value:
            raise PolicyError(f"policy {self.text!r}: expected {value!r}, got {got!r}")

    def expr(self) -> policies_pb2.SignaturePolicy:
        kind, value = self._next()
        if kind == "str":
            return self._principal(value[1:-1])
        if kind != "name" or value not in FUNCTIONS:
            raise PolicyError(
                f"policy {self.text!r}: unknown function or token {value!r} (unknown operator; AND, OR or OutOf)"
            )
        self._expect("(")
        n: int | None = None
        if value.lower() == "outof":
            nkind, nval = self._next()
            if nkind != "num":
                raise PolicyError(f"policy {self.text!r}: OutOf needs an integer first argument, got {nval!r}")
            n = int(nval)
            self._expect(",")
        rules = [self.expr()]
        while True:
            _, sep = self._next("')'")
            if sep == ")":
                break
            if sep != ",":
                raise PolicyError(f"policy {self.text!r}: expected ',' or ')', got {sep!r}")
            rules.append(self.expr())
        if value.lower() == "and":
            n = len(rules)
        elif value.lower() == "or":
            n = 1
        assert n is not None
        if n < 0 or n > len(rules):
            never = ": it can never be satisfied" if n > len(rules) else ""
            raise PolicyError(f"policy {self.text!r}: OutOf({n}) over {len(rules)} rules is invalid{never}")
        return policies_pb2.SignaturePolicy(n_out_of=policies_pb2.SignaturePolicy.NOutOf(n=n, rules=rules))

    def _principal(self, text: str) -> policies_pb2.SignaturePolicy:
        m = _PRINCIPAL.match(text)
        if m is None:
            raise PolicyError(f"policy {self.text!r}: invalid principal {text!r}, expected 'MSPID.role'")
        try:
            principal = role_principal(m.group(1), m.group(2))
        except PolicyError as exc:
            raise PolicyError(f"policy {self.text!r}: invalid principal {text!r}: {exc}") from None
        self.identities.append(principal)
        return policies_pb2.SignaturePolicy(signed_by=len(self.identities) - 1)


def from_string(text: str) -> policies_pb2.SignaturePolicyEnvelope:
    """Parse the DSL into a version-0 ``SignaturePolicyEnvelope``."""
    parser = _Parser(text, _tokenize(text))
    rule = parser.expr()
    if parser.pos != len(parser.tokens):
        raise PolicyError(f"policy {text!r}: trailing input after expression")
    return policies_pb2.SignaturePolicyEnvelope(version=0, rule=rule, identities=parser.identities)


def parse_implicit_meta(text: str) -> policies_pb2.ImplicitMetaPolicy:
    """``"MAJORITY Admins"`` -> ImplicitMetaPolicy (``ImplicitMetaFromString``)."""
    parts = text.split(" ")
    if len(parts) != 2:
        raise PolicyError(f"implicit meta policy {text!r}: expected '<ANY|ALL|MAJORITY> <SubPolicy>'")
    try:
        rule = ImplicitMetaRule.Value(parts[0].upper())
    except ValueError:
        raise PolicyError(f"implicit meta policy {text!r}: unknown rule {parts[0]!r}") from None
    return policies_pb2.ImplicitMetaPolicy(rule=rule, sub_policy=parts[1])
