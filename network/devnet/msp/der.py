"""Just enough DER to sanitise certificates and check canonical encodings.

Fabric identifies an identity by SHA-256 of its certificate *after* re-encoding an ECDSA certificate
signature into low-S form (``msp/mspimpl.go`` ``sanitizeCert`` -> ``sanitizeECDSASignedCert``), so two
encodings of the same signature map to one identity. That needs the raw TBSCertificate and algorithm bytes,
which ``cryptography`` does not expose separately; this module splits the outer SEQUENCE by hand.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from gateway.client.ecdsa import HALF_ORDER, P256_ORDER


def _read_tlv(data: bytes, offset: int) -> tuple[int, int, int]:
    """(tag, start of content, end of content) of the TLV at ``offset``."""
    if offset + 2 > len(data):
        raise ValueError("truncated DER")
    tag, first = data[offset], data[offset + 1]
    pos = offset + 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or pos + count > len(data):
            raise ValueError("bad DER length")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    if pos + length > len(data):
        raise ValueError("truncated DER")
    return tag, pos, pos + length


def _encode_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def split_certificate(der: bytes) -> tuple[bytes, bytes, bytes]:
    """(tbsCertificate TLV, signatureAlgorithm TLV, signature bytes without the BIT STRING pad byte)."""
    tag, start, end = _read_tlv(der, 0)
    if tag != 0x30 or end != len(der):
        raise ValueError("certificate is not a single DER SEQUENCE")
    _, tbs_start, tbs_end = _read_tlv(der, start)
    _, alg_start, alg_end = _read_tlv(der, tbs_end)
    sig_tag, sig_start, sig_end = _read_tlv(der, alg_end)
    if sig_tag != 0x03 or sig_end != end or der[sig_start] != 0:
        raise ValueError("certificate signature is not a BIT STRING")
    return der[start:tbs_end], der[tbs_end:alg_end], der[sig_start + 1 : sig_end]


def low_s_signature(signature: bytes, order: int = P256_ORDER) -> bytes:
    r, s = decode_dss_signature(signature)
    if s > order // 2:
        s = order - s
    return encode_dss_signature(r, s)


def sanitize_ecdsa_certificate(der: bytes, order: int = P256_ORDER) -> bytes:
    """Certificate DER with its ECDSA signature re-encoded low-S; unchanged if it already is low-S."""
    tbs, alg, signature = split_certificate(der)
    fixed = low_s_signature(signature, order)
    if fixed == signature:
        return der
    bit_string = b"\x03" + _encode_length(len(fixed) + 1) + b"\x00" + fixed
    body = tbs + alg + bit_string
    return b"\x30" + _encode_length(len(body)) + body


def is_canonical_ecdsa_signature(signature: bytes) -> bool:
    """Re-encoding (r, s) gives the same bytes (``isIdentitySignedInCanonicalForm``)."""
    try:
        r, s = decode_dss_signature(signature)
    except ValueError:
        return False
    return encode_dss_signature(r, s) == signature


__all__ = ["HALF_ORDER", "sanitize_ecdsa_certificate", "split_certificate", "is_canonical_ecdsa_signature"]
