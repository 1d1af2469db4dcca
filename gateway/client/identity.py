"""Client identities and signers, the two things every Fabric request is built from.

An identity is what Fabric calls a ``SerializedIdentity``: the MSP ID plus the PEM of the X.509
certificate (``msp/identities.go`` ``Serialize``). The same bytes go into ``SignatureHeader.creator``,
``Endorsement.endorser`` and the gateway's signed requests, so they are computed once here.

A signer is any callable ``bytes -> signature``: a key in memory, an HSM session or a remote service can all
stand behind it, which is what makes offline signing possible.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fabric_protos.msp import identities_pb2

from gateway.client import ecdsa

Signer = Callable[[bytes], bytes]


@dataclass(frozen=True)
class Identity:
    """An MSP ID and a PEM certificate; equal identities serialise to equal bytes."""

    msp_id: str
    certificate_pem: bytes

    def serialize(self) -> bytes:
        return self._serialized

    @cached_property
    def _serialized(self) -> bytes:
        """Made once per identity: both fields are frozen and immutable, so the bytes cannot change."""
        return identities_pb2.SerializedIdentity(mspid=self.msp_id, id_bytes=self.certificate_pem).SerializeToString()

    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.certificate_pem)

    @classmethod
    def deserialize(cls, data: bytes) -> Identity:
        sid = identities_pb2.SerializedIdentity.FromString(data)
        return cls(msp_id=sid.mspid, certificate_pem=bytes(sid.id_bytes))


def canonical_pem(certificate: x509.Certificate) -> bytes:
    """PEM exactly as Go's ``pem.EncodeToMemory`` writes it (64-column lines, trailing newline)."""
    return certificate.public_bytes(serialization.Encoding.PEM)


def private_key_signer(private_key: ec.EllipticCurvePrivateKey) -> Signer:
    """A signer backed by an in-memory P-256 key, producing Fabric's low-S signatures."""

    def sign(message: bytes) -> bytes:
        return ecdsa.sign(private_key, message)

    return sign


def load_private_key(path: Path, password: bytes | None = None) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=password)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{path}: not an ECDSA private key")
    return key


def read_msp_signing_material(msp_dir: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """``signcerts/*.pem`` and ``keystore/*`` of a local MSP folder: exactly one of each, and the key must be the
    certificate's (a mismatched pair would sign requests every peer rejects)."""
    certs = sorted((msp_dir / "signcerts").glob("*.pem"))
    keystore = msp_dir / "keystore"
    keys = sorted(p for p in keystore.iterdir() if p.is_file()) if keystore.is_dir() else []
    if len(certs) != 1:
        raise ValueError(f"{msp_dir / 'signcerts'}: expected exactly one certificate, found {len(certs)}")
    if len(keys) != 1:
        raise ValueError(f"{keystore}: expected exactly one private key, found {len(keys)}")
    cert = x509.load_pem_x509_certificate(certs[0].read_bytes())
    key = load_private_key(keys[0])
    if key.public_key().public_numbers() != cert.public_key().public_numbers():  # type: ignore[union-attr]
        raise ValueError(f"{msp_dir}: the keystore key does not match the signcert")
    return cert, key


def load_msp_identity(msp_dir: Path, msp_id: str) -> tuple[Identity, Signer]:
    """Read a Fabric MSP folder (``signcerts/*.pem`` + ``keystore/*``) into an identity and its signer."""
    cert, key = read_msp_signing_material(msp_dir)
    return Identity(msp_id, canonical_pem(cert)), private_key_signer(key)
