"""Block header and data hashing (``protoutil/blockutils.go`` ``BlockHeaderBytes``, ``ComputeBlockDataHash``).

The header hash is SHA-256 of the DER encoding of ``SEQUENCE { INTEGER number, OCTET STRING previous_hash,
OCTET STRING data_hash }``; each block's ``previous_hash`` is the previous header's hash, which is what makes
the chain tamper-evident. The data hash is SHA-256 over the plain concatenation of the envelopes.
"""

from __future__ import annotations

import hashlib

from fabric_protos.common import common_pb2


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _der_integer(number: int) -> bytes:
    if number < 0:
        raise ValueError("block number must be non-negative")
    raw = number.to_bytes(max(1, (number.bit_length() + 7) // 8), "big")
    if raw[0] & 0x80:
        raw = b"\x00" + raw  # keep it positive, as asn1.Marshal of a uint64 does
    return b"\x02" + _der_length(len(raw)) + raw


def _der_octets(data: bytes) -> bytes:
    return b"\x04" + _der_length(len(data)) + data


def block_header_bytes(header: common_pb2.BlockHeader) -> bytes:
    body = _der_integer(header.number) + _der_octets(header.previous_hash) + _der_octets(header.data_hash)
    return b"\x30" + _der_length(len(body)) + body


def block_header_hash(header: common_pb2.BlockHeader) -> bytes:
    return hashlib.sha256(block_header_bytes(header)).digest()


def block_data_hash(data: common_pb2.BlockData) -> bytes:
    return hashlib.sha256(b"".join(data.data)).digest()
