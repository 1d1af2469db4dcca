"""The signature-policy DSL: ``OR('Org1MSP.member', AND('Org2MSP.peer', 'Org3MSP.admin'), OutOf(2, ...))``
(``common/policydsl/policyparser.go`` ``FromString``).

``AND`` needs all of its arguments, ``OR`` one of them, ``OutOf(n, ...)`` n of them. A principal is
``'<MSPID>.<role>'`` with role member/admin/client/peer/orderer. Each principal occurrence appends a new
entry to ``identities`` (no de-duplication) and ``signed_by`` indexes them in order of appearance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from fabric_protos.common import policies_pb2
from fabric_protos.msp import msp_principal_pb2

from network.devnet.policy.base import PolicyError

ROLES = {
    "member": msp_principal_pb2.MSPRole.MEMBER,
    "admin": msp_principal_pb2.MSPRole.ADMIN,
    "client": msp_principal_pb2.MSPRole.CLIENT,
    "peer": msp_principal_pb2.MSPRole.PEER,
    "orderer": msp_principal_pb2.MSPRole.ORDERER,
}
_PRINCIPAL = re.compile(r"^([A-Za-z0-9.\-]+)\.(admin|member|client|peer|orderer)$")
_TOKEN = re.compile(r"\s*(?:(?P<name>[A-Za-z]+)|(?P<num>-?\d+)|(?P<str>'[^']*'|\"[^\"]*\")|(?P<punct>[(),]))")


def role_principal(mspid: str, role: str) -> msp_principal_pb2.MSPPrincipal:
    return msp_principal_pb2.MSPPrincipal(
        principal_classification=msp_principal_pb2.MSPPrincipal.ROLE,
        principal=msp_principal_pb2.MSPRole(msp_identifier=mspid, role=ROLES[role]).SerializeToString(),
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

    def _next(self) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise PolicyError(f"policy {self.text!r}: unexpected end")
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def _expect(self, value: str) -> None:
        kind, got = self._next()
        if got != value:
            raise PolicyError(f"policy {self.text!r}: expected {value!r}, got {got!r}")

    def expr(self) -> policies_pb2.SignaturePolicy:
        kind, value = self._next()
        if kind == "str":
            return self._principal(value[1:-1])
        if kind != "name" or value not in ("AND", "and", "OR", "or", "OutOf", "outof"):
            raise PolicyError(f"policy {self.text!r}: unknown function or token {value!r}")
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
            _, sep = self._next()
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
            raise PolicyError(f"policy {self.text!r}: OutOf({n}) over {len(rules)} rules is invalid")
        return policies_pb2.SignaturePolicy(n_out_of=policies_pb2.SignaturePolicy.NOutOf(n=n, rules=rules))

    def _principal(self, text: str) -> policies_pb2.SignaturePolicy:
        m = _PRINCIPAL.match(text)
        if m is None:
            raise PolicyError(f"policy {self.text!r}: invalid principal {text!r}, expected 'MSPID.role'")
        self.identities.append(role_principal(m.group(1), m.group(2)))
        return policies_pb2.SignaturePolicy(signed_by=len(self.identities) - 1)


def from_string(text: str) -> policies_pb2.SignaturePolicyEnvelope:
    """Parse the DSL into a version-0 ``SignaturePolicyEnvelope``."""
    parser = _Parser(text, _tokenize(text))
    rule = parser.expr()
    if parser.pos != len(parser.tokens):
        raise PolicyError(f"policy {text!r}: trailing input after expression")
    return policies_pb2.SignaturePolicyEnvelope(version=0, rule=rule, identities=parser.identities)


def signed_by_any_member(mspids: list[str]) -> policies_pb2.SignaturePolicyEnvelope:
    """``policydsl.SignedByAnyMember``: 1-out-of members of the given MSPs."""
    identities = [role_principal(m, "member") for m in mspids]
    rules = [policies_pb2.SignaturePolicy(signed_by=i) for i in range(len(mspids))]
    return policies_pb2.SignaturePolicyEnvelope(
        version=0,
        rule=policies_pb2.SignaturePolicy(n_out_of=policies_pb2.SignaturePolicy.NOutOf(n=1, rules=rules)),
        identities=identities,
    )
