"""X.509 MSP: deserialization, validation (chain, CA, CRL, NodeOUs), identity ids, principals."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding
from fabric_protos.msp import identities_pb2, msp_principal_pb2

from devnet.fixtures.pki import CA, NOW, Member, Org, msp_config
from gateway.client.ecdsa import P256_ORDER
from network.devnet.msp import X509MSP, IdentityError, MSPManager
from network.devnet.msp.der import split_certificate

P = msp_principal_pb2.MSPPrincipal
R = msp_principal_pb2.MSPRole


def role(mspid: str, r: int) -> P:
    return P(principal_classification=P.ROLE, principal=R(msp_identifier=mspid, role=r).SerializeToString())


def test_member_deserializes_validates_and_verifies(org1: Org) -> None:
    msp = X509MSP.from_config(msp_config(org1))
    ident = msp.deserialize_identity(org1.client.serialized)
    ident.validate()
    der = org1.client.cert.public_bytes(Encoding.DER)
    assert ident.identifier.id == hashlib.sha256(der).hexdigest()
    assert ident.verify(b"msg", org1.client.sign(b"msg"))
    assert not ident.verify(b"other", org1.client.sign(b"msg"))


def test_high_s_signature_rejected(org1: Org) -> None:
    ident = X509MSP.from_config(msp_config(org1)).deserialize_identity(org1.client.serialized)
    r, s = decode_dss_signature(org1.client.sign(b"m"))
    assert not ident.verify(b"m", encode_dss_signature(r, P256_ORDER - s))


def test_unknown_ca_and_wrong_mspid_rejected(org1: Org, org2: Org) -> None:
    msp = X509MSP.from_config(msp_config(org1))
    foreign = Member("Org1MSP", org2.client.cert, org2.client.key)
    with pytest.raises(IdentityError, match="chain"):
        msp.deserialize_identity(foreign.serialized)
    with pytest.raises(IdentityError, match="expected MSP ID"):
        msp.deserialize_identity(org2.client.serialized)
    with pytest.raises(IdentityError, match="not defined"):
        MSPManager({"Org1MSP": msp}).deserialize_identity(org2.client.serialized)


def test_ca_certificate_is_not_an_identity(org1: Org) -> None:
    msp = X509MSP.from_config(msp_config(org1))
    ca_as_member = Member("Org1MSP", org1.ca.cert, org1.ca.key)
    with pytest.raises(IdentityError, match="Certificate Authority"):
        msp.deserialize_identity(ca_as_member.serialized).validate()


def test_revoked_certificate_is_invalid(org1: Org) -> None:
    victim = org1.new_member("client")
    msp = X509MSP.from_config(msp_config(org1, crls=(org1.ca.crl([victim.cert.serial_number]),)))
    with pytest.raises(IdentityError, match="revoked"):
        msp.deserialize_identity(victim.serialized).validate()
    msp.deserialize_identity(org1.client.serialized).validate()


def test_nodeou_classification_exactly_one(org1: Org) -> None:
    msp = X509MSP.from_config(msp_config(org1))
    none = org1.new_member(None)
    both = org1.new_member("client", extra_ous=("peer",))
    other_ou = org1.new_member("sales")
    for bad in (none, both, other_ou):
        assert not msp.deserialize_identity(bad.serialized).is_valid()
    legacy = X509MSP.from_config(msp_config(org1, node_ous=False))
    assert legacy.deserialize_identity(none.serialized).is_valid()


def test_expired_certificate_still_valid_for_msp(org1: Org) -> None:
    old = org1.new_member("client", not_before=NOW - dt.timedelta(minutes=4), not_after=NOW - dt.timedelta(minutes=1))
    ident = X509MSP.from_config(msp_config(org1)).deserialize_identity(old.serialized)
    ident.validate()
    assert (
        ident.expired()
        and not X509MSP.from_config(msp_config(org1)).deserialize_identity(org1.client.serialized).expired()
    )


def test_high_s_certificate_gets_sanitized_identifier(org1: Org) -> None:
    der = org1.client.cert.public_bytes(Encoding.DER)
    tbs, alg, sig = split_certificate(der)
    r, s = decode_dss_signature(sig)
    high = encode_dss_signature(r, P256_ORDER - s)
    bits = b"\x03" + bytes([len(high) + 1]) + b"\x00" + high
    body = tbs + alg + bits
    high_der = b"\x30\x82" + len(body).to_bytes(2, "big") + body
    high_cert = x509.load_der_x509_certificate(high_der)
    msp = X509MSP.from_config(msp_config(org1))
    a = msp.deserialize_identity(org1.client.serialized)
    b = msp.deserialize_identity(Member("Org1MSP", high_cert, org1.client.key).serialized)
    assert hashlib.sha256(high_der).hexdigest() != a.identifier.id
    assert a.identifier == b.identifier


def test_well_formedness(org1: Org) -> None:
    mgr = MSPManager({"Org1MSP": X509MSP.from_config(msp_config(org1))})
    mgr.is_well_formed(org1.client.serialized)
    trailing = identities_pb2.SerializedIdentity(mspid="Org1MSP", id_bytes=org1.client.pem + b"junk")
    with pytest.raises(IdentityError, match="trailing"):
        mgr.is_well_formed(trailing.SerializeToString())
    # deserialization itself is lenient, as in Fabric
    mgr.deserialize_identity(trailing.SerializeToString()).validate()


def test_role_principals_with_nodeous(org1: Org) -> None:
    msp = X509MSP.from_config(msp_config(org1))
    ids = {r: msp.deserialize_identity(org1.members[r].serialized) for r in ("client", "peer", "admin", "orderer")}
    expect = {
        R.MEMBER: {"client", "peer", "admin", "orderer"},
        R.ADMIN: {"admin"},
        R.CLIENT: {"client"},
        R.PEER: {"peer"},
        R.ORDERER: {"orderer"},
    }
    for r, allowed in expect.items():
        got = {name for name, ident in ids.items() if ident.satisfies_principal(role("Org1MSP", r))}
        assert got == allowed, r
    assert not ids["client"].satisfies_principal(role("Org2MSP", R.MEMBER))


def test_admin_by_admincerts_without_nodeous(org1: Org) -> None:
    legacy_admin = org1.new_member(None)
    msp = X509MSP.from_config(msp_config(org1, node_ous=False, admins=(legacy_admin,)))
    assert msp.deserialize_identity(legacy_admin.serialized).satisfies_principal(role("Org1MSP", R.ADMIN))
    client = msp.deserialize_identity(org1.client.serialized)
    assert not client.satisfies_principal(role("Org1MSP", R.ADMIN))
    assert not client.satisfies_principal(role("Org1MSP", R.CLIENT))  # NodeOUs off: cannot tell apart
    assert client.satisfies_principal(role("Org1MSP", R.MEMBER))


def test_identity_ou_combined_and_anonymity_principals(org1: Org) -> None:
    msp = X509MSP.from_config(msp_config(org1))
    client = msp.deserialize_identity(org1.client.serialized)
    ident_p = P(principal_classification=P.IDENTITY, principal=org1.client.serialized)
    assert client.satisfies_principal(ident_p)
    assert not msp.deserialize_identity(org1.peer.serialized).satisfies_principal(ident_p)
    cid = hashlib.sha256(org1.ca.cert.public_bytes(Encoding.DER)).digest()
    ou_ok = msp_principal_pb2.OrganizationUnit(
        msp_identifier="Org1MSP", organizational_unit_identifier="client", certifiers_identifier=cid
    )
    ou_bad = msp_principal_pb2.OrganizationUnit(
        msp_identifier="Org1MSP", organizational_unit_identifier="client", certifiers_identifier=b"x" * 32
    )
    assert client.satisfies_principal(
        P(principal_classification=P.ORGANIZATION_UNIT, principal=ou_ok.SerializeToString())
    )
    assert not client.satisfies_principal(
        P(principal_classification=P.ORGANIZATION_UNIT, principal=ou_bad.SerializeToString())
    )
    combined = msp_principal_pb2.CombinedPrincipal(principals=[role("Org1MSP", R.MEMBER), role("Org1MSP", R.CLIENT)])
    assert client.satisfies_principal(P(principal_classification=P.COMBINED, principal=combined.SerializeToString()))
    combined_bad = msp_principal_pb2.CombinedPrincipal(principals=[role("Org1MSP", R.MEMBER), role("Org1MSP", R.PEER)])
    assert not client.satisfies_principal(
        P(principal_classification=P.COMBINED, principal=combined_bad.SerializeToString())
    )
    nominal = msp_principal_pb2.MSPIdentityAnonymity(anonymity_type=msp_principal_pb2.MSPIdentityAnonymity.NOMINAL)
    anonymous = msp_principal_pb2.MSPIdentityAnonymity(anonymity_type=msp_principal_pb2.MSPIdentityAnonymity.ANONYMOUS)
    assert client.satisfies_principal(P(principal_classification=P.ANONYMITY, principal=nominal.SerializeToString()))
    assert not client.satisfies_principal(
        P(principal_classification=P.ANONYMITY, principal=anonymous.SerializeToString())
    )


def test_intermediate_ca_chain_and_internal_node_rule() -> None:
    org = Org("OrgXMSP", CA.create("root.x"))
    inter = CA.create("inter.x", parent=org.ca)
    cert, key = inter.issue("user.x", "client")
    via_inter = Member("OrgXMSP", cert, key)
    direct = org.new_member("client")
    msp = X509MSP.from_config(msp_config(org, node_ous=False, intermediates=(inter,)))
    ident = msp.deserialize_identity(via_inter.serialized)
    ident.validate()
    assert len(ident.chain) == 3
    # the root issued an intermediate, so it is an internal node: its direct leaves are rejected
    with pytest.raises(IdentityError, match="leaf of the CA tree"):
        msp.deserialize_identity(direct.serialized).validate()
