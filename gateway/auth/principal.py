"""The authenticated caller and the rules that bind it to one org.

A principal is never more than one org: every request's org is checked against it, and every signing
identity it may use must be one of that org's wallet labels listed on the key. That is what guarantees
that a caller of org A cannot cause a signature by org B.
"""

from __future__ import annotations

from dataclasses import dataclass

ROLE_READ = "read"
ROLE_SUBMIT = "submit"
ROLE_EVENTS = "events"
ALL_ROLES = frozenset({ROLE_READ, ROLE_SUBMIT, ROLE_EVENTS})


@dataclass(frozen=True)
class Principal:
    key_id: str
    org: str
    identities: frozenset[str]
    roles: frozenset[str]
    rate_per_second: float = 50.0
    burst: int = 100


class AuthError(Exception):
    """Authentication or authorisation refused; ``status`` is 401 or 403."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def check_org(principal: Principal, org: str) -> None:
    """A key is bound to exactly one org: any other org in the path is refused before anything else runs."""
    if principal.org != org:
        raise AuthError(403, f"credential is bound to another org, not {org!r}")


def check_role(principal: Principal, role: str) -> None:
    if role not in principal.roles:
        raise AuthError(403, f"credential lacks role {role!r}")


def choose_identity(principal: Principal, requested: str | None) -> str:
    """The wallet label to sign with: the requested one if the key allows it, else the key's only one."""
    if requested:
        if requested not in principal.identities:
            raise AuthError(403, f"credential may not use identity {requested!r}")
        return requested
    if len(principal.identities) == 1:
        return next(iter(principal.identities))
    raise AuthError(403, "credential has several identities; choose one with the X-Fabric-Identity header")


def validate_roles(roles: list[str] | frozenset[str]) -> frozenset[str]:
    unknown = set(roles) - ALL_ROLES
    if unknown:
        raise ValueError(f"roles: unknown role(s) {sorted(unknown)}; allowed {sorted(ALL_ROLES)}")
    return frozenset(roles)
