"""Generated certificates: chains, NodeOUs, low-S signatures, SANs, attributes, key permissions."""

from __future__ import annotations

import ipaddress
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtensionOID, NameOID
from cryptography.x509.verification import PolicyBuilder, Store
from spec_identities import all_identities

from network.crypto.attributes import ATTRIBUTES_OID, read_attributes
from network.crypto.certs import Issuer, issue_leaf, new_ca, sign_low_s
from network.crypto.nodeous import classify
from network.layout import NetworkLayout, load_identity
from network.spec import ConsortiumSpec

P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def signcert(msp: Path) -> x509.Certificate:
    (only,) = (msp / "signcerts").glob("*.pem")
    return cert(only)


def der_signature_s(signature: bytes) -> int:
    """S of a DER ECDSA signature, parsed by hand (independent of the code under test)."""
    assert signature[0] == 0x30
    pos = 2 if signature[1] < 0x80 else 3
    assert signature[pos] == 0x02
    r_len = signature[pos + 1]
    pos += 2 + r_len
    assert signature[pos] == 0x02
    s_len = signature[pos + 1]
    return int.from_bytes(signature[pos + 2 : pos + 2 + s_len], "big")


def test_every_signcert_chains_to_its_org_ca(generated: NetworkLayout, default_spec: ConsortiumSpec) -> None:
    identities = all_identities(generated, default_spec)
    assert len(identities) == 1 + 3 + 1 + 3 * 2  # orderer, 3 peers, orderer Admin, 3x(Admin, User1)
    for msp_id, msp, _ in identities:
        ca = cert(generated.ca_cert(msp_id))
        leaf = signcert(msp)
        leaf.verify_directly_issued_by(ca)  # raises on a bad signature or issuer name
        aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
        ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
        assert aki == ski
        assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        # the MSP's cacerts must hold that same CA
        assert (msp / "cacerts" / generated.ca_cert(msp_id).name).read_bytes() == generated.ca_cert(msp_id).read_bytes()


def test_ca_certificates_are_proper_roots(generated: NetworkLayout, default_spec: ConsortiumSpec) -> None:
    for org in [*default_spec.orderer_orgs, *default_spec.member_orgs]:
        for path in (generated.ca_cert(org.msp_id), generated.tlsca_cert(org.msp_id)):
            ca = cert(path)
            assert ca.issuer == ca.subject
            ca.verify_directly_issued_by(ca)
            assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
            usage = ca.extensions.get_extension_for_class(x509.KeyUsage).value
            assert usage.key_cert_sign and usage.crl_sign and usage.digital_signature
            assert isinstance(ca.public_key(), ec.EllipticCurvePublicKey)
            assert ca.public_key().curve.name == "secp256r1"  # type: ignore[union-attr]


def test_node_ou_classification_matches_spec(generated: NetworkLayout, default_spec: ConsortiumSpec) -> None:
    seen = set()
    for _, msp, expected in all_identities(generated, default_spec):
        assert classify(signcert(msp)) == expected
        seen.add(expected)
    assert seen == {"orderer", "peer", "admin", "client"}


def test_classify_rejects_zero_or_two_node_ous() -> None:
    ca = new_ca("ca.x.example.com", "x.example.com")
    none, _ = issue_leaf(ca, "nobody", unit=None)
    with pytest.raises(ValueError, match="exactly one"):
        classify(none)
    builder = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "client"),
                    x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "admin"),
                    x509.NameAttribute(NameOID.COMMON_NAME, "two"),
                ]
            )
        )
        .issuer_name(ca.certificate.subject)
        .public_key(ec.generate_private_key(ec.SECP256R1()).public_key())
        .serial_number(5)
        .not_valid_before(ca.certificate.not_valid_before_utc)
        .not_valid_after(ca.certificate.not_valid_after_utc)
    )
    with pytest.raises(ValueError, match="exactly one"):
        classify(sign_low_s(builder, ca.private_key))


def test_config_yaml_points_nodeous_at_cacert(generated: NetworkLayout) -> None:
    import yaml

    msp = generated.org_msp_dir("Org2MSP")
    config = yaml.safe_load((msp / "config.yaml").read_text())
    assert config["NodeOUs"]["Enable"] is True
    for key, ou in (("Client", "client"), ("Peer", "peer"), ("Admin", "admin"), ("Orderer", "orderer")):
        entry = config["NodeOUs"][f"{key}OUIdentifier"]
        assert entry["OrganizationalUnitIdentifier"] == ou
        assert (msp / entry["Certificate"]).read_bytes() == generated.ca_cert("Org2MSP").read_bytes()


def test_all_certificate_signatures_are_low_s(generated: NetworkLayout) -> None:
    pems = list(generated.crypto_dir.rglob("*.pem")) + list(generated.crypto_dir.rglob("*.crt"))
    assert len(pems) > 50
    for path in pems:
        s = der_signature_s(cert(path).signature)
        assert 0 < s <= P256_N // 2, path


def test_sign_low_s_retries_until_low(monkeypatch: pytest.MonkeyPatch) -> None:
    """Force the first signatures to count as high-S: the signer must keep trying, then return a low-S cert."""
    import network.crypto.certs as certs

    calls = {"n": 0}
    real = certs.is_low_s

    def flaky(signature: bytes) -> bool:
        calls["n"] += 1
        return calls["n"] > 3 and real(signature)

    monkeypatch.setattr(certs, "is_low_s", flaky)
    ca = new_ca("ca.y.example.com", "y.example.com")
    assert calls["n"] >= 4
    assert der_signature_s(ca.certificate.signature) <= P256_N // 2


def test_tls_server_certs_verify_for_host_and_loopback(generated: NetworkLayout, default_spec: ConsortiumSpec) -> None:
    for org, peer in default_spec.peers():
        tls = generated.node_tls(generated.peer_dir(org.msp_id, peer.name))
        ca = cert(tls.ca_cert)
        assert tls.ca_cert.read_bytes() == generated.tlsca_cert(org.msp_id).read_bytes()
        leaf = cert(tls.cert)
        for name in (x509.DNSName(f"{peer.name}.{org.domain}"), x509.DNSName("localhost")):
            PolicyBuilder().store(Store([ca])).build_server_verifier(name).verify(leaf, [])
        sans = leaf.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
        assert set(sans.get_values_for_type(x509.IPAddress)) == {
            ipaddress.ip_address("127.0.0.1"),
            ipaddress.ip_address("::1"),
        }
        key = serialization.load_pem_private_key(tls.key.read_bytes(), None)
        assert key.public_key() == leaf.public_key()


def test_orderer_tls_cert_is_for_orderer_host(generated: NetworkLayout) -> None:
    tls = generated.node_tls(generated.orderer_dir("orderer0"))
    ca = cert(generated.tlsca_cert("OrdererMSP"))
    verifier = PolicyBuilder().store(Store([ca])).build_server_verifier(x509.DNSName("orderer0.example.com"))
    verifier.verify(cert(tls.cert), [])


def test_user_attributes_in_fabric_ca_extension(generated: NetworkLayout) -> None:
    user1 = signcert(generated.user_msp_dir("Org1MSP", "User1"))
    ext = user1.extensions.get_extension_for_oid(ATTRIBUTES_OID)
    assert not ext.critical
    raw = ext.value.value  # type: ignore[attr-defined]
    assert raw.startswith(b'{"attrs":{') and b'"role":"issuer"' in raw
    assert read_attributes(user1)["role"] == "issuer"
    other = read_attributes(signcert(generated.user_msp_dir("Org2MSP", "User1")))
    assert "role" not in other and other["hf.EnrollmentID"] == "User1"
    assert read_attributes(signcert(generated.peer_msp_dir("Org1MSP", "peer0"))) == {}


def test_private_keys_are_0600(generated: NetworkLayout) -> None:
    keys = list(generated.crypto_dir.rglob("priv_sk")) + list(generated.crypto_dir.rglob("*.key"))
    assert len(keys) == 2 * 4 + 11 * 2  # ca+tlsca per org; msp key + tls key per identity
    for key in keys:
        assert stat.S_IMODE(key.stat().st_mode) == 0o600, key


def test_load_identity_returns_matching_key(generated: NetworkLayout) -> None:
    msp_id, cert_pem, key = load_identity(generated.user_msp_dir("Org3MSP", "Admin"))
    assert msp_id == "Org3MSP"
    assert x509.load_pem_x509_certificate(cert_pem).public_key() == key.public_key()
    assert generated.load_identity(generated.peer_msp_dir("Org1MSP", "peer0")).msp_id == "Org1MSP"


def test_load_identity_outside_network_fails(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not inside a generated network"):
        load_identity(tmp_path)


def test_issuer_type_exposes_ski() -> None:
    ca: Issuer = new_ca("ca.z.example.com", "z.example.com")
    assert len(ca.ski) == 32
