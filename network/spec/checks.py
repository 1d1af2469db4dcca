"""Cross-reference rules of a resolved spec. Each rule is a pure function returning the issues it finds.

Fabric itself would reject most of these much later and far less clearly (two orgs with one MSP ID make the
channel config invalid; an unknown org in a channel cannot be encoded; two nodes on one port fail at start),
so they are caught before any file is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from network.spec.errors import KeyPath, SpecIssue, format_path
from network.spec.models import ConsortiumSpec
from network.spec.ports import ADMIN_USER, CHAINCODE_PORT_COUNT

Rule = Callable[[ConsortiumSpec], list[SpecIssue]]


def _duplicates(items: Iterable[tuple[KeyPath, str]], what: str) -> list[SpecIssue]:
    seen: dict[str, KeyPath] = {}
    issues = []
    for path, value in items:
        key = value.lower()
        if key in seen:
            issues.append(SpecIssue(path, f"duplicate {what} {value!r} (already used at {_fmt(seen[key])})"))
        else:
            seen[key] = path
    return issues


def _fmt(path: KeyPath) -> str:
    return format_path(path)


def _all_orgs(spec: ConsortiumSpec) -> list[tuple[KeyPath, str, str, str]]:
    """(path, msp_id, name, domain) of every org, orderer orgs first."""
    out = [(("orderer_orgs", i), o.msp_id, o.name, o.domain) for i, o in enumerate(spec.orderer_orgs)]
    out += [(("member_orgs", i), o.msp_id, o.name, o.domain) for i, o in enumerate(spec.member_orgs)]
    return out


def unique_msp_ids(spec: ConsortiumSpec) -> list[SpecIssue]:
    """An MSP ID names one MSP in the channel's MSP manager; two orgs cannot share it."""
    return _duplicates((((*p, "msp_id"), m) for p, m, _, _ in _all_orgs(spec)), "MSP ID")


def unique_org_names(spec: ConsortiumSpec) -> list[SpecIssue]:
    """Org names are config-group keys under /Channel/Application and /Channel/Orderer."""
    return _duplicates((((*p, "name"), n) for p, _, n, _ in _all_orgs(spec)), "org name")


def unique_domains(spec: ConsortiumSpec) -> list[SpecIssue]:
    """Domains name the crypto folders and TLS SANs; sharing one would overwrite another org's material."""
    return _duplicates((((*p, "domain"), d) for p, _, _, d in _all_orgs(spec)), "domain")


def unique_node_names(spec: ConsortiumSpec) -> list[SpecIssue]:
    issues = []
    for i, org in enumerate(spec.orderer_orgs):
        issues += _duplicates(
            ((("orderer_orgs", i, "nodes", j, "name"), n.name) for j, n in enumerate(org.nodes)), "node"
        )
    for i, org in enumerate(spec.member_orgs):
        issues += _duplicates(
            ((("member_orgs", i, "peers", j, "name"), p.name) for j, p in enumerate(org.peers)), "peer"
        )
    return issues


def unique_user_names(spec: ConsortiumSpec) -> list[SpecIssue]:
    """User folders are ``User@domain``; names differing only in case would collide on some file systems."""
    issues = []
    for kind, orgs in (("orderer_orgs", spec.orderer_orgs), ("member_orgs", spec.member_orgs)):
        for i, org in enumerate(orgs):
            issues += _duplicates((((kind, i, "users", j, "name"), u.name) for j, u in enumerate(org.users)), "user")
    return issues


def admin_user_is_admin(spec: ConsortiumSpec) -> list[SpecIssue]:
    """The ``Admin`` identity is what every tool uses for admin operations; it must carry the admin OU."""
    issues = []
    for kind, orgs in (("orderer_orgs", spec.orderer_orgs), ("member_orgs", spec.member_orgs)):
        for i, org in enumerate(orgs):
            for j, user in enumerate(org.users):
                if user.name == ADMIN_USER and user.role != "admin":
                    issues.append(
                        SpecIssue((kind, i, "users", j, "role"), f"user {ADMIN_USER!r} must have role 'admin'")
                    )
    return issues


def member_orgs_have_client(spec: ConsortiumSpec) -> list[SpecIssue]:
    """Applications sign as clients; an org with no client user could not submit anything."""
    return [
        SpecIssue(("member_orgs", i, "users"), "at least one user with role 'client' is required")
        for i, org in enumerate(spec.member_orgs)
        if not any(u.role == "client" for u in org.users)
    ]


def unique_channel_names(spec: ConsortiumSpec) -> list[SpecIssue]:
    return _duplicates(((("channels", i, "name"), c.name) for i, c in enumerate(spec.channels)), "channel")


def channel_orgs_known(spec: ConsortiumSpec) -> list[SpecIssue]:
    """A channel can only include orgs the spec defines (by MSP ID), each once."""
    members = {o.msp_id for o in spec.member_orgs}
    orderers = {o.msp_id for o in spec.orderer_orgs}
    issues = []
    for i, ch in enumerate(spec.channels):
        for j, msp in enumerate(ch.orgs):
            if msp not in members:
                issues.append(
                    SpecIssue(("channels", i, "orgs", j), f"unknown member org {msp!r} (known: {sorted(members)})")
                )
        issues += _duplicates(((("channels", i, "orgs", j), m) for j, m in enumerate(ch.orgs)), "channel org")
        for j, msp in enumerate(ch.orderer_orgs or []):
            if msp not in orderers:
                issues.append(
                    SpecIssue(
                        ("channels", i, "orderer_orgs", j), f"unknown orderer org {msp!r} (known: {sorted(orderers)})"
                    )
                )
        if ch.orderer_orgs is not None and not ch.orderer_orgs:
            issues.append(SpecIssue(("channels", i, "orderer_orgs"), "a channel needs at least one orderer org"))
    return issues


def channel_policy_principals_known(spec: ConsortiumSpec) -> list[SpecIssue]:
    """A signature policy naming an MSP that is not on the channel could never be satisfied by its members."""
    from network.configtx.policies import principal_msp_ids

    issues = []
    for i, ch in enumerate(spec.channels):
        allowed = set(ch.orgs) | set(ch.orderer_orgs or [])
        for key in ("endorsement", "lifecycle_endorsement"):
            rule = getattr(ch.policies, key)
            for msp_id in principal_msp_ids(rule):
                if msp_id not in allowed:
                    reason = f"policy names {msp_id!r}, which is not an org of this channel ({sorted(allowed)})"
                    issues.append(SpecIssue(("channels", i, "policies", key), reason))
    return issues


def _ports(spec: ConsortiumSpec) -> list[tuple[KeyPath, int]]:
    out: list[tuple[KeyPath, int]] = []
    for i, org in enumerate(spec.orderer_orgs):
        for j, node in enumerate(org.nodes):
            for key in ("port", "admin_port", "operations_port"):
                out.append((("orderer_orgs", i, "nodes", j, key), getattr(node, key)))
    for i, org in enumerate(spec.member_orgs):
        for j, peer in enumerate(org.peers):
            for key in ("port", "chaincode_port", "operations_port"):
                out.append((("member_orgs", i, "peers", j, key), getattr(peer, key)))
    return out


def ports_in_range(spec: ConsortiumSpec) -> list[SpecIssue]:
    """Explicit ports are range-checked by the model, so an out-of-range port was derived from ``base_port``."""
    issues = []
    bad = [f"{_fmt(path)}={port}" for path, port in _ports(spec) if not 1 <= port <= 65535]
    if bad:
        issues.append(SpecIssue(("base_port",), f"{spec.base_port} pushes derived ports past 65535: {', '.join(bad)}"))
    cc = spec.chaincode_base_port or 0
    if not 1 <= cc <= 65535 - CHAINCODE_PORT_COUNT:
        issues.append(SpecIssue(("chaincode_base_port",), f"{cc} leaves no room for {CHAINCODE_PORT_COUNT} ports"))
    return issues


def ports_distinct(spec: ConsortiumSpec) -> list[SpecIssue]:
    """All nodes share 127.0.0.1, so every listener needs its own port, outside the chaincode range."""
    issues = []
    seen: dict[int, KeyPath] = {}
    cc = spec.chaincode_base_port or 0
    for path, port in _ports(spec):
        if port in seen:
            issues.append(SpecIssue(path, f"port clash: {port} is already used by {_fmt(seen[port])}"))
        else:
            seen[port] = path
        if cc <= port < cc + CHAINCODE_PORT_COUNT:
            issues.append(
                SpecIssue(path, f"port clash: {port} lies in the chaincode range {cc}..{cc + CHAINCODE_PORT_COUNT - 1}")
            )
    return issues


RULES: tuple[Rule, ...] = (
    unique_msp_ids,
    unique_org_names,
    unique_domains,
    unique_node_names,
    unique_user_names,
    admin_user_is_admin,
    member_orgs_have_client,
    unique_channel_names,
    channel_orgs_known,
    channel_policy_principals_known,
    ports_in_range,
    ports_distinct,
)


def check_spec(spec: ConsortiumSpec) -> list[SpecIssue]:
    """Run every rule; an empty list means the spec is consistent."""
    issues: list[SpecIssue] = []
    for rule in RULES:
        issues += rule(spec)
    return issues
