"""Policies: DSL parsing, greedy signature evaluation with identity de-dup, implicit meta thresholds."""

from __future__ import annotations

import pytest
from fabric_protos.common import policies_pb2
from fabric_protos.msp import msp_principal_pb2

from devnet.fixtures.pki import Member, Org, msp_config
from network.devnet.msp import X509MSP, MSPManager
from network.devnet.policy import (
    ImplicitMetaPolicy,
    PolicyError,
    RejectPolicy,
    SignaturePolicy,
    SignedData,
    from_string,
    parse_implicit_meta,
)

MSG = b"payload"


def signed(*members: Member, data: bytes = MSG) -> list[SignedData]:
    return [SignedData(data, m.serialized, m.sign(data)) for m in members]


@pytest.fixture(scope="module")
def manager(org1: Org, org2: Org) -> MSPManager:
    return MSPManager({o.mspid: X509MSP.from_config(msp_config(o)) for o in (org1, org2)})


def policy(text: str, manager: MSPManager) -> SignaturePolicy:
    return SignaturePolicy(from_string(text), manager)


def test_dsl_structure_and_principal_order() -> None:
    env = from_string("OR('Org1MSP.member', AND('Org2.MSP.peer', \"Org3MSP.admin\"), OutOf(1, 'Org1MSP.client'))")
    roles = [msp_principal_pb2.MSPRole.FromString(p.principal) for p in env.identities]
    assert [(r.msp_identifier, r.role) for r in roles] == [
        ("Org1MSP", msp_principal_pb2.MSPRole.MEMBER),
        ("Org2.MSP", msp_principal_pb2.MSPRole.PEER),
        ("Org3MSP", msp_principal_pb2.MSPRole.ADMIN),
        ("Org1MSP", msp_principal_pb2.MSPRole.CLIENT),
    ]
    top = env.rule.n_out_of
    assert top.n == 1 and len(top.rules) == 3
    assert top.rules[0].signed_by == 0
    assert top.rules[1].n_out_of.n == 2 and [r.signed_by for r in top.rules[1].n_out_of.rules] == [1, 2]
    assert top.rules[2].n_out_of.rules[0].signed_by == 3
    # same principal twice: two identity entries, no de-duplication
    assert len(from_string("AND('A.member', 'A.member')").identities) == 2


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("OR('Org1MSP.boss')", "invalid principal"),
        ("OR('Org1MSP.member'", "unexpected end"),
        ("XOR('Org1MSP.member')", "unknown function"),
        ("OutOf(3, 'A.member', 'B.member')", "OutOf(3)"),
        ("OR('A.member')) ", "trailing"),
    ],
)
def test_dsl_errors(text: str, fragment: str) -> None:
    with pytest.raises(PolicyError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        from_string(text)


def test_or_and_evaluation(manager: MSPManager, org1: Org, org2: Org) -> None:
    either = policy("OR('Org1MSP.member', 'Org2MSP.member')", manager)
    both = policy("AND('Org1MSP.member', 'Org2MSP.member')", manager)
    assert either.evaluate(signed(org2.client))
    assert not both.evaluate(signed(org2.client))
    assert both.evaluate(signed(org1.peer, org2.peer))
    assert not both.evaluate([])


def test_duplicate_identity_counts_once(manager: MSPManager, org1: Org) -> None:
    two_members = policy("AND('Org1MSP.member', 'Org1MSP.member')", manager)
    assert not two_members.evaluate(signed(org1.client, org1.client))
    assert two_members.evaluate(signed(org1.client, org1.peer))


def test_bad_signatures_and_unknown_msps_are_skipped(manager: MSPManager, org1: Org, org3: Org) -> None:
    p = policy("OR('Org1MSP.member')", manager)
    forged = [SignedData(MSG, org1.client.serialized, org1.client.sign(b"other"))]
    assert not p.evaluate(forged)
    assert not p.evaluate(signed(org3.client))
    # a forged copy first must not stop the genuine signature from the same identity counting
    assert p.evaluate(forged + signed(org1.client))


def test_greedy_evaluation_without_backtracking(manager: MSPManager, org1: Org) -> None:
    p = policy("OutOf(2, 'Org1MSP.member', 'Org1MSP.admin')", manager)
    # member rule grabs the admin first, admin rule then finds nothing: Fabric says no
    assert not p.evaluate(signed(org1.admin, org1.client))
    assert p.evaluate(signed(org1.client, org1.admin))


def test_role_specific_principals(manager: MSPManager, org1: Org) -> None:
    peer_only = policy("OR('Org1MSP.peer')", manager)
    assert peer_only.evaluate(signed(org1.peer))
    assert not peer_only.evaluate(signed(org1.client, org1.admin))


def test_signed_by_out_of_range_rejected_at_compile(manager: MSPManager) -> None:
    env = policies_pb2.SignaturePolicyEnvelope(rule=policies_pb2.SignaturePolicy(signed_by=0))
    with pytest.raises(PolicyError, match="out of range"):
        SignaturePolicy(env, manager)


class _Fixed:
    def __init__(self, result: bool) -> None:
        self.result = result

    def evaluate(self, signed: object) -> bool:
        return self.result


@pytest.mark.parametrize(
    "rule, results, expected",
    [
        ("ANY X", [False, True], True),
        ("ANY X", [False, False], False),
        ("ALL X", [True, False], False),
        ("ALL X", [True, True], True),
        ("MAJORITY X", [True, True, False], True),
        ("MAJORITY X", [True, False, False], False),
        ("MAJORITY X", [True, False], False),
        ("MAJORITY X", [], True),
        ("ANY X", [], True),
    ],
)
def test_implicit_meta_thresholds(rule: str, results: list[bool], expected: bool) -> None:
    meta = ImplicitMetaPolicy(parse_implicit_meta(rule), [_Fixed(r) for r in results])
    assert meta.evaluate([]) is expected


def test_missing_sub_policy_rejects() -> None:
    meta = ImplicitMetaPolicy(parse_implicit_meta("ALL X"), [_Fixed(True), RejectPolicy("X")])
    assert not meta.evaluate([])
    with pytest.raises(PolicyError, match="unknown rule"):
        parse_implicit_meta("SOME Admins")
