"""Memoised policy work on the commit path: digest-based verification keeps every ECDSA rule, principal and
rule verdicts are remembered per identity, the channel MSP manager remembers identities by their bytes."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from fabric_protos.msp import msp_principal_pb2

from devnet.fixtures.pki import Org, msp_config
from devnet.perf.policies import majority
from network.devnet.msp import X509MSP, MSPManager, identity
from network.devnet.msp.ecdsaverify import (
    CURVE_ORDERS,
    fabric_signature_values,
    half_order,
    verify_ecdsa_sha256_digest,
)
from network.devnet.policy import ImplicitMetaPolicy, SignaturePolicy, SignedData, from_string, parse_implicit_meta

P256_ORDER = CURVE_ORDERS["secp256r1"]


@pytest.fixture(scope="module")
def orgs() -> list[Org]:
    return [Org.create(f"M{i}MSP") for i in range(3)]


def fresh_manager(orgs: list[Org]) -> MSPManager:
    return MSPManager({o.mspid: X509MSP.from_config(msp_config(o)) for o in orgs})


def der_int(value: int, pad: bytes = b"") -> bytes:
    body = pad + value.to_bytes((value.bit_length() + 8) // 8, "big")
    return b"\x02" + bytes([len(body)]) + body


def der_seq(body: bytes, long_length: bool = False) -> bytes:
    length = b"\x81" + bytes([len(body)]) if long_length else bytes([len(body)])
    return b"\x30" + length + body


def test_digest_verification_keeps_low_s_and_fabric_der_rules(orgs: list[Org]) -> None:
    """Go's ``asn1.Unmarshal`` as ``UnmarshalECDSASignature`` uses it: bytes after the SEQUENCE and extra
    elements inside it are ignored; non-minimal integers and lengths, r or s <= 0 and high S are not."""
    peer = orgs[0].peer
    key = peer.cert.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)
    bound = half_order(key)
    good = peer.sign(b"m")
    digest = hashlib.sha256(b"m").digest()
    r, s = decode_dss_signature(good)
    assert verify_ecdsa_sha256_digest(key, digest, good, bound)
    assert verify_ecdsa_sha256_digest(key, digest, good + b"\x00trailing", bound)  # rest is ignored
    assert verify_ecdsa_sha256_digest(key, digest, der_seq(der_int(r) + der_int(s) + der_int(7)), bound)
    assert not verify_ecdsa_sha256_digest(key, digest, encode_dss_signature(r, P256_ORDER - s), bound)  # high S
    assert not verify_ecdsa_sha256_digest(key, digest, der_seq(der_int(r, b"\x00") + der_int(s)), bound)
    assert not verify_ecdsa_sha256_digest(key, digest, der_seq(der_int(r) + der_int(s), long_length=True), bound)
    assert not verify_ecdsa_sha256_digest(key, digest, good[:-1], bound)  # truncated
    assert not verify_ecdsa_sha256_digest(key, hashlib.sha256(b"n").digest(), good, bound)
    assert not verify_ecdsa_sha256_digest(key, digest, good, None)  # curve Fabric does not know
    assert fabric_signature_values(der_seq(der_int(0) + der_int(s))) is None
    assert fabric_signature_values(der_seq(b"\x02\x01\xff" + der_int(s))) is None  # negative r
    assert fabric_signature_values(der_seq(der_int(r))) is None  # s missing
    assert fabric_signature_values(b"\x30\x80" + der_int(r) + der_int(s) + b"\x00\x00") is None  # indefinite
    assert fabric_signature_values(good + b"junk") == (r, s, good)


def test_half_order_is_per_curve() -> None:
    p384 = ec.generate_private_key(ec.SECP384R1()).public_key()
    p521 = ec.generate_private_key(ec.SECP521R1()).public_key()
    assert half_order(p384) == CURVE_ORDERS["secp384r1"] // 2
    assert half_order(p521) is None


def test_identity_verify_with_digest_equals_without(orgs: list[Org]) -> None:
    ident = fresh_manager(orgs).deserialize_identity(orgs[1].client.serialized)
    sig = orgs[1].client.sign(b"payload")
    assert ident.verify(b"payload", sig, hashlib.sha256(b"payload").digest())
    assert ident.verify(b"payload", sig)
    assert not ident.verify(b"payload!", sig, hashlib.sha256(b"payload!").digest())


def test_remembered_own_signature_skips_the_curve(orgs: list[Org], monkeypatch: pytest.MonkeyPatch) -> None:
    ident = fresh_manager(orgs).deserialize_identity(orgs[0].peer.serialized)
    sig = orgs[0].peer.sign(b"proposal response")
    ident.remember_own_signature(b"proposal response", sig)

    def no_curve(*args: object) -> bool:
        raise AssertionError("a remembered own signature must not be verified again")

    monkeypatch.setattr(identity, "verify_ecdsa_sha256_digest", no_curve)
    assert ident.verify(b"proposal response", sig)
    with pytest.raises(AssertionError):
        ident.verify(b"another message", sig)


def test_manager_returns_the_same_identity_and_never_caches_failures(orgs: list[Org]) -> None:
    manager = fresh_manager(orgs[:2])
    first = manager.deserialize_identity(orgs[0].client.serialized)
    assert manager.deserialize_identity(orgs[0].client.serialized) is first
    for _ in range(2):
        with pytest.raises(identity.IdentityError, match="not defined"):
            manager.deserialize_identity(orgs[2].client.serialized)


def test_principal_verdict_memo_is_per_principal(orgs: list[Org], monkeypatch: pytest.MonkeyPatch) -> None:
    ident = fresh_manager(orgs).deserialize_identity(orgs[0].peer.serialized)
    peer_p = from_string(f"OR('{orgs[0].mspid}.peer')").identities[0]
    client_p = from_string(f"OR('{orgs[0].mspid}.client')").identities[0]
    calls: list[msp_principal_pb2.MSPPrincipal] = []
    real = X509MSP.satisfies_principal

    def counting(self: X509MSP, ident_: object, principal: msp_principal_pb2.MSPPrincipal) -> None:
        calls.append(principal)
        real(self, ident_, principal)  # type: ignore[arg-type]

    monkeypatch.setattr(X509MSP, "satisfies_principal", counting)
    for _ in range(3):
        assert ident.satisfies_principal(peer_p, peer_p.SerializeToString())
        assert not ident.satisfies_principal(client_p, client_p.SerializeToString())
    assert len(calls) == 2
    assert not ident.satisfies_principal(client_p)  # without the key: always evaluated
    assert len(calls) == 3


@pytest.mark.parametrize("endorsers, expected", [((0, 1), True), ((0,), False), ((2, 2), False), ((1, 2), True)])
def test_memoised_verdicts_follow_the_identities(orgs: list[Org], endorsers: tuple[int, ...], expected: bool) -> None:
    manager = fresh_manager(orgs)
    policy = majority(orgs, manager)
    for _ in range(3):  # the verdict of a repeated set comes from the memo and must not drift
        signed = [SignedData(b"m", orgs[i].peer.serialized, orgs[i].peer.sign(b"m")) for i in endorsers]
        assert policy.evaluate(signed) is expected
    forged = [SignedData(b"m", orgs[i].peer.serialized, orgs[i].peer.sign(b"x")) for i in endorsers]
    assert policy.evaluate(forged) is False


def test_rule_order_matters_in_the_memo(orgs: list[Org]) -> None:
    """Greedy evaluation: the memo is keyed by the ordered identities, so a different order is re-evaluated."""
    manager = fresh_manager(orgs)
    policy = SignaturePolicy(from_string(f"AND(OR('{orgs[0].mspid}.member'), '{orgs[0].mspid}.peer')"), manager)
    peer = manager.deserialize_identity(orgs[0].peer.serialized)
    client = manager.deserialize_identity(orgs[0].client.serialized)
    assert policy.evaluate_identities([client, peer]) is True
    assert policy.evaluate_identities([peer, client]) is False  # the member rule took the peer first
    assert policy.evaluate_identities([client, peer]) is True


def test_implicit_meta_works_out_the_identities_once(orgs: list[Org], monkeypatch: pytest.MonkeyPatch) -> None:
    from network.devnet.policy import signature

    manager = fresh_manager(orgs)
    policy = ImplicitMetaPolicy(
        parse_implicit_meta("ALL Endorsement"),
        [SignaturePolicy(from_string(f"OR('{o.mspid}.peer')"), manager) for o in orgs],
    )
    calls: list[int] = []
    real = signature.signature_set_to_valid_identities

    def counting(signed: object, deserializer: object) -> object:
        calls.append(1)
        return real(signed, deserializer)  # type: ignore[arg-type]

    monkeypatch.setattr(signature, "signature_set_to_valid_identities", counting)
    signed = [SignedData(b"m", o.peer.serialized, o.peer.sign(b"m")) for o in orgs]
    assert policy.evaluate(signed) is True
    assert len(calls) == 1  # three sub-policies, one conversion
    assert policy.evaluate(signed[:2]) is False
    assert len(calls) == 2
