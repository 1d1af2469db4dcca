"""ECDSA verification as Fabric's software BCCSP does it, on a SHA-256 digest the caller already holds.

``bccsp/sw/ecdsa.go`` ``verifyECDSA``: the signature must unmarshal as DER ``SEQUENCE{r, s}`` with positive
``r`` and ``s``, ``s`` must be at most half the key's curve order (``IsLowS``: Fabric only ever accepts the
low-S form), and then the curve check runs on the *digest* of the message (``bccsp.Verify`` receives the
hash, the MSP hashes with SHA-256). The DER must be canonical: re-encoding ``(r, s)`` gives the same bytes,
so no trailing data and no non-minimal integers are accepted.

Taking the digest lets a caller that already hashed the message (the verify cache keys on it) skip a
second SHA-256 pass; the outcome is the same as hashing inside, since ECDSA only ever sees the digest.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, decode_dss_signature, encode_dss_signature

CURVE_ORDERS = {
    "secp256r1": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    "secp384r1": int(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973", 16
    ),
}
"""Group orders of the curves Fabric's BCCSP supports (``elliptic.P256().Params().N``, ``P384``)."""

_PREHASHED_SHA256 = ec.ECDSA(Prehashed(hashes.SHA256()))


def half_order(key: ec.EllipticCurvePublicKey) -> int | None:
    """``GetCurveHalfOrdersAt``: the low-S bound of the key's curve; None for a curve Fabric does not know
    (``IsLowS`` then fails, so every signature of such a key is invalid)."""
    order = CURVE_ORDERS.get(key.curve.name)
    return None if order is None else order >> 1


def is_low_s_canonical(signature: bytes, low_s_bound: int) -> bool:
    """DER ``SEQUENCE{r, s}``, canonical, ``r > 0`` and ``0 < s <= low_s_bound``."""
    try:
        r, s = decode_dss_signature(signature)
    except ValueError:
        return False
    if r <= 0 or not 0 < s <= low_s_bound:
        return False
    return encode_dss_signature(r, s) == signature


def verify_ecdsa_sha256_digest(
    key: ec.EllipticCurvePublicKey, digest: bytes, signature: bytes, low_s_bound: int | None
) -> bool:
    """``verifyECDSA`` over ``digest`` = SHA-256 of the signed message."""
    if low_s_bound is None or not is_low_s_canonical(signature, low_s_bound):
        return False
    try:
        key.verify(signature, digest, _PREHASHED_SHA256)
    except InvalidSignature:
        return False
    return True
