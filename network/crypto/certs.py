"""Issuing CA and leaf certificates the way Fabric's ``cryptogen`` does (``internal/cryptogen/ca/ca.go``).

- Keys are ECDSA P-256, stored as unencrypted PKCS#8 PEM (``internal/cryptogen/csp``).
- A CA is self-signed, with SubjectKeyIdentifier = SHA-256 of the uncompressed public point (cryptogen's
  ``computeSKI``), BasicConstraints CA, KeyUsage digitalSignature/keyEncipherment/certSign/crlSign.
- Leaves carry AuthorityKeyIdentifier = the CA's SKI and a single NodeOU in Subject OU.
- Certificate signatures are forced into low-S form: Fabric's MSP re-encodes a high-S certificate signature
  before hashing it into the identity ID (``msp/mspimpl.go`` ``sanitizeCert``), so a high-S certificate would
  have an identity ID different from the hash of its own bytes. ``cryptography`` offers no way to post-process
  the signature inside a certificate, so we simply re-sign until S <= N/2 (each try is a fair coin).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from ipaddress import ip_address

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from gateway.client.ecdsa import is_low_s
from network.crypto.attributes import attributes_extension

VALIDITY = dt.timedelta(days=3650)
BACKDATE = dt.timedelta(minutes=5)  # cryptogen backdates NotBefore by five minutes to tolerate clock skew
COUNTRY, PROVINCE, LOCALITY = "US", "California", "San Francisco"
MAX_SIGNING_TRIES = 64


@dataclass(frozen=True)
class Issuer:
    """A CA able to sign: its certificate and private key."""

    certificate: x509.Certificate
    private_key: ec.EllipticCurvePrivateKey

    @property
    def ski(self) -> bytes:
        return self.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest


def new_private_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def private_key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def compute_ski(public_key: ec.EllipticCurvePublicKey) -> bytes:
    """cryptogen's SKI: SHA-256 over the uncompressed EC point (not RFC 5280's SHA-1 method)."""
    raw = public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return hashlib.sha256(raw).digest()


def sign_low_s(builder: x509.CertificateBuilder, key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    """Sign until the certificate's ECDSA signature is low-S (see module docstring for why)."""
    for _ in range(MAX_SIGNING_TRIES):
        certificate = builder.sign(key, hashes.SHA256())
        if is_low_s(certificate.signature):
            return certificate
    raise RuntimeError("could not obtain a low-S certificate signature")  # probability 2**-64


def _name(common_name: str, *, organization: str | None = None, unit: str | None = None) -> x509.Name:
    attrs = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, COUNTRY),
        x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, PROVINCE),
        x509.NameAttribute(NameOID.LOCALITY_NAME, LOCALITY),
    ]
    if organization:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    if unit:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attrs)


def _validity(builder: x509.CertificateBuilder, now: dt.datetime | None) -> x509.CertificateBuilder:
    start = (now or dt.datetime.now(dt.UTC)) - BACKDATE
    return builder.not_valid_before(start).not_valid_after(start + VALIDITY)


def _serial() -> int:
    return secrets.randbits(127) | 1  # positive, non-zero, fits in 16 bytes


def new_ca(common_name: str, organization: str, now: dt.datetime | None = None) -> Issuer:
    """A self-signed root CA (one per org for signing identities and one for TLS)."""
    key = new_private_key()
    name = _name(common_name, organization=organization)
    builder = (
        _validity(x509.CertificateBuilder(), now)
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(_serial())
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier(compute_ski(key.public_key())), critical=False)
    )
    return Issuer(sign_low_s(builder, key), key)


def _sans(hosts: Sequence[str]) -> x509.SubjectAlternativeName:
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return x509.SubjectAlternativeName(names)


def issue_leaf(
    issuer: Issuer,
    common_name: str,
    *,
    unit: str | None,
    tls: bool = False,
    hosts: Sequence[str] = (),
    attributes: dict[str, str] | None = None,
    now: dt.datetime | None = None,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """Issue an end-entity certificate with a fresh key.

    ``unit`` is the NodeOU (client/peer/admin/orderer) for MSP signing certs; TLS certs get serverAuth and
    clientAuth, and ``hosts`` as SANs (DNS names or IP literals).
    """
    key = new_private_key()
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=tls,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    builder = (
        _validity(x509.CertificateBuilder(), now)
        .subject_name(_name(common_name, unit=unit))
        .issuer_name(issuer.certificate.subject)
        .public_key(key.public_key())
        .serial_number(_serial())
        .add_extension(usage, critical=True)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier(issuer.ski, None, None), critical=False)
    )
    if tls:
        eku = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH])
        builder = builder.add_extension(eku, critical=False)
    if hosts:
        builder = builder.add_extension(_sans(hosts), critical=False)
    if attributes is not None:
        builder = builder.add_extension(attributes_extension(attributes), critical=False)
    return sign_low_s(builder, issuer.private_key), key


def load_issuer(cert_bytes: bytes, key_bytes: bytes) -> Issuer:
    """Read back a CA from its PEM files, refusing a key that does not belong to the certificate."""
    certificate = x509.load_pem_x509_certificate(cert_bytes)
    key = serialization.load_pem_private_key(key_bytes, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError("CA key is not an ECDSA key")
    if key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) != certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ):
        raise ValueError("CA key does not match the CA certificate")
    return Issuer(certificate, key)
