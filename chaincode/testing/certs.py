"""Self-made Fabric-style identities: a CA per org and leaf certificates carrying the Fabric-CA attribute
extension (OID 1.2.3.4.5.6.7.8.1, value ``{"attrs":{...}}``), as ``fabric-ca`` enrolls them."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fabric_protos.msp import identities_pb2

ATTRIBUTE_OID = x509.ObjectIdentifier("1.2.3.4.5.6.7.8.1")
_NOT_BEFORE = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
_NOT_AFTER = datetime.datetime(2036, 1, 1, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class Identity:
    msp_id: str
    common_name: str
    cert_pem: bytes
    key: ec.EllipticCurvePrivateKey

    def serialized(self) -> bytes:
        """``SerializedIdentity`` bytes, the proposal's ``SignatureHeader.creator``."""
        return identities_pb2.SerializedIdentity(mspid=self.msp_id, id_bytes=self.cert_pem).SerializeToString()

    def account(self, name: str | None = None) -> str:
        return f"{self.msp_id}/{name or self.common_name}"


@cache
def org_ca(msp_id: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"ca.{msp_id.lower()}"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, msp_id)])
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(_NOT_BEFORE).not_valid_after(_NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def make_identity(msp_id: str, common_name: str, attrs: dict[str, str] | None = None) -> Identity:
    return _make_identity(msp_id, common_name, tuple(sorted((attrs or {}).items())))


@cache
def _make_identity(msp_id: str, common_name: str, attrs: tuple[tuple[str, str], ...]) -> Identity:
    ca_key, ca_cert = org_ca(msp_id)
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                                 x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "client")]))
        .issuer_name(ca_cert.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(_NOT_BEFORE).not_valid_after(_NOT_AFTER)
    )
    if attrs:
        value = json.dumps({"attrs": dict(attrs)}, separators=(",", ":")).encode()
        builder = builder.add_extension(x509.UnrecognizedExtension(ATTRIBUTE_OID, value), critical=False)
    cert = builder.sign(ca_key, hashes.SHA256())
    return Identity(msp_id, common_name, cert.public_bytes(serialization.Encoding.PEM), key)
