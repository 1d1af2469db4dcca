"""ECDSA P-256 / SHA-256 signatures exactly as Fabric makes and checks them.

Fabric's software BCCSP normalises every signature it makes to *low-S* form and rejects any signature whose
S is above half the curve order (``bccsp/sw/ecdsa.go``: ``signECDSA``, ``verifyECDSA``, ``IsLowS``). The
``cryptography`` package produces either form at random, so every signature made here is normalised, and
verification refuses high-S just as a Fabric peer would.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, decode_dss_signature, encode_dss_signature

P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
HALF_ORDER = P256_ORDER // 2


def is_low_s(signature: bytes) -> bool:
    """True when S <= N/2, the only form a Fabric verifier accepts."""
    _, s = decode_dss_signature(signature)
    return 0 < s <= HALF_ORDER


def to_low_s(signature: bytes) -> bytes:
    """Re-encode a DER signature with S replaced by N - S when S is in the upper half."""
    r, s = decode_dss_signature(signature)
    if s > HALF_ORDER:
        s = P256_ORDER - s
    return encode_dss_signature(r, s)


def sign(private_key: ec.EllipticCurvePrivateKey, message: bytes) -> bytes:
    """Sign SHA-256(message) and return a low-S DER signature."""
    return to_low_s(private_key.sign(message, ec.ECDSA(hashes.SHA256())))


def verify(public_key: ec.EllipticCurvePublicKey, message: bytes, signature: bytes) -> bool:
    """Verify as Fabric does: malformed or high-S signatures are invalid, not merely unusual."""
    try:
        r, s = decode_dss_signature(signature)
    except ValueError:
        return False
    if r <= 0 or not 0 < s <= HALF_ORDER:
        return False
    # DER must be canonical: re-encoding r, s must give the same bytes (no trailing data).
    if encode_dss_signature(r, s) != signature:
        return False
    try:
        public_key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def sign_digest(private_key: ec.EllipticCurvePrivateKey, digest: bytes) -> bytes:
    """Sign a precomputed SHA-256 digest (offline signing of a request's ``digest``), low-S DER."""
    if len(digest) != 32:
        raise ValueError("digest: must be a 32-byte SHA-256 digest")
    return to_low_s(private_key.sign(digest, ec.ECDSA(Prehashed(hashes.SHA256()))))
