"""PEM decoding with Go's ``encoding/pem`` semantics, which the MSP relies on.

``pem.Decode`` returns the *first* block and the remaining bytes; the MSP parses that first block and
ignores the rest (``deserializeIdentityInternal``), while ``IsWellFormed`` insists on exactly one block of
type ``CERTIFICATE`` (or empty) and nothing after it.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

_BLOCK = re.compile(
    rb"-----BEGIN (?P<type>[^-\r\n]*)-----\r?\n(?P<body>.*?)-----END (?P=type)-----[ \t]*(\r?\n|$)", re.DOTALL
)


@dataclass(frozen=True)
class PemBlock:
    type: str
    headers: bool
    data: bytes


def decode_first(data: bytes) -> tuple[PemBlock | None, bytes]:
    """First PEM block in ``data`` and the bytes after it (Go ``pem.Decode``)."""
    for match in _BLOCK.finditer(data):
        body = match.group("body")
        has_headers = b":" in body.split(b"\n", 1)[0]
        try:
            der = base64.b64decode(b"".join(body.split()), validate=True)
        except (binascii.Error, ValueError):
            continue
        return PemBlock(match.group("type").decode("latin-1"), has_headers, der), data[match.end() :]
    return None, data
