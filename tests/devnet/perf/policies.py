"""Policies the devnet performance tests evaluate."""

from __future__ import annotations

from devnet.fixtures.pki import Org
from network.devnet.msp import MSPManager
from network.devnet.policy import ImplicitMetaPolicy, SignaturePolicy, from_string, parse_implicit_meta


def majority(orgs: list[Org], manager: MSPManager) -> ImplicitMetaPolicy:
    """``MAJORITY Endorsement`` over one ``OR('<org>.peer')`` sub-policy per org, as a channel defines it."""
    subs = [SignaturePolicy(from_string(f"OR('{o.mspid}.peer')"), manager) for o in orgs]
    return ImplicitMetaPolicy(parse_implicit_meta("MAJORITY Endorsement"), subs)
