"""Fabric's signature-policy DSL and implicit-meta strings, encoded as configtxgen encodes them."""

from __future__ import annotations

import pytest
from fabric_protos.common import policies_pb2
from fabric_protos.msp import msp_principal_pb2

from network.configtx.policies import PolicyError, implicit_meta, signature_envelope


def principal(msp: str, role: int) -> msp_principal_pb2.MSPPrincipal:
    return msp_principal_pb2.MSPPrincipal(
        principal_classification=msp_principal_pb2.MSPPrincipal.ROLE,
        principal=msp_principal_pb2.MSPRole(msp_identifier=msp, role=role).SerializeToString(),
    )


def test_or_of_one_member() -> None:
    env = signature_envelope("OR('Org1MSP.member')")
    expected = policies_pb2.SignaturePolicyEnvelope(
        version=0,
        rule=policies_pb2.SignaturePolicy(
            n_out_of=policies_pb2.SignaturePolicy.NOutOf(n=1, rules=[policies_pb2.SignaturePolicy(signed_by=0)])
        ),
        identities=[principal("Org1MSP", msp_principal_pb2.MSPRole.MEMBER)],
    )
    assert env.SerializeToString() == expected.SerializeToString()


def test_nested_outof_keeps_identity_order_without_dedup() -> None:
    env = signature_envelope("OutOf(2, 'A.peer', AND('B.admin', 'A.peer'))")
    assert env.rule.n_out_of.n == 2
    inner = env.rule.n_out_of.rules[1].n_out_of
    assert inner.n == 2 and [r.signed_by for r in inner.rules] == [1, 2]
    roles = [msp_principal_pb2.MSPRole.FromString(i.principal) for i in env.identities]
    assert [(r.msp_identifier, r.role) for r in roles] == [("A", 3), ("B", 1), ("A", 3)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("OR('Org1MSP.boss')", "unknown role"),
        ("XOR('A.member')", "unknown operator"),
        ("OutOf(3, 'A.member', 'B.member')", "never be satisfied"),
        ("OR('A.member'", r"expected '\)'"),
        ("OR('A.member') junk", "trailing input"),
        ("OR('nodot')", "MSPID.role"),
    ],
)
def test_bad_dsl(text: str, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        signature_envelope(text)


def test_implicit_meta() -> None:
    policy = implicit_meta("MAJORITY Endorsement")
    assert policy.type == policies_pb2.Policy.IMPLICIT_META
    meta = policies_pb2.ImplicitMetaPolicy.FromString(policy.value)
    assert (meta.rule, meta.sub_policy) == (policies_pb2.ImplicitMetaPolicy.MAJORITY, "Endorsement")
    with pytest.raises(PolicyError):
        implicit_meta("MOST Endorsement")
