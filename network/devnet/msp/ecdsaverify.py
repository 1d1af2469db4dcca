"""ECDSA verification as Fabric's software BCCSP does it, on a SHA-256 digest the caller already holds.

``bccsp/sw/ecdsa.go`` ``verifyECDSA``: the signature must unmarshal as DER ``SEQUENCE{r, s}`` with positive
``r`` and ``s``, ``s`` must be at most half the key's curve order (``IsLowS``: Fabric only ever accepts the
low-S form), and then the curve check runs on the *digest* of the message (``bccsp.Verify`` receives the
hash, the MSP hashes with SHA-256).

Unmarshalling is Go's ``encoding/asn1`` (``bccsp/utils`` ``UnmarshalECDSASignature``): lengths and integers
must be minimally encoded, but bytes after the SEQUENCE are returned as ``rest`` and ignored, and a struct
SEQUENCE may carry extra elements after its last field. :func:`fabric_signature_values` accepts exactly
that; the curve check then runs on the canonical encoding of ``(r, s)``.

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


def _go_der_header(data: bytes, offset: int, tag: int) -> tuple[int, int] | None:
    """Go ``parseTagAndLength`` for a one-byte ``tag``: (content start, content end) or None. Long-form
    lengths must be minimal (no leading zero byte, not below 0x80), the content must fit in ``data``."""
    if offset + 2 > len(data) or data[offset] != tag:
        return None
    first, pos = data[offset + 1], offset + 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or pos + count > len(data):
            return None  # indefinite length (not DER) or truncated
        length = 0
        for byte in data[pos : pos + count]:
            if length >= 1 << 23:
                return None  # "length too large"
            length = length << 8 | byte
            if length == 0:
                return None  # "superfluous leading zeros in length"
        pos += count
        if length < 0x80:
            return None  # "non-minimal length"
    if pos + length > len(data):
        return None
    return pos, pos + length


def _go_der_integer(data: bytes, offset: int, end: int) -> tuple[int, int] | None:
    """Go ``parseBigInt`` of the INTEGER at ``offset``: (value, next offset) or None; minimal two's
    complement (``checkInteger``), negative values allowed here (the caller requires > 0)."""
    header = _go_der_header(data[:end], offset, 0x02)
    if header is None:
        return None
    start, stop = header
    content = data[start:stop]
    if not content:
        return None
    if len(content) > 1 and ((content[0] == 0 and content[1] < 0x80) or (content[0] == 0xFF and content[1] >= 0x80)):
        return None
    return int.from_bytes(content, "big", signed=True), stop


def fabric_signature_values(signature: bytes) -> tuple[int, int, bytes] | None:
    """``UnmarshalECDSASignature``: (r, s, canonical DER of r and s) with r, s > 0, or None. Canonical
    input takes the fast path."""
    der = b""
    try:
        r, s = decode_dss_signature(signature)
        der = encode_dss_signature(r, s)
    except ValueError:
        pass
    if der != signature:
        outer = _go_der_header(signature, 0, 0x30)
        if outer is None:
            return None
        first = _go_der_integer(signature, outer[0], outer[1])
        second = _go_der_integer(signature, first[1], outer[1]) if first is not None else None
        if first is None or second is None:
            return None  # extra elements after s and bytes after the SEQUENCE are ignored, as in Go
        r, s = first[0], second[0]
        if r <= 0 or s <= 0:
            return None
        der = encode_dss_signature(r, s)
    return (r, s, der) if r > 0 and s > 0 else None


def verify_ecdsa_sha256_digest(
    key: ec.EllipticCurvePublicKey, digest: bytes, signature: bytes, low_s_bound: int | None
) -> bool:
    """``verifyECDSA`` over ``digest`` = SHA-256 of the signed message."""
    if low_s_bound is None:
        return False
    values = fabric_signature_values(signature)
    if values is None or values[1] > low_s_bound:
        return False
    try:
        key.verify(values[2], digest, _PREHASHED_SHA256)
    except InvalidSignature:
        return False
    return True
