"""``SignedData``: the triple every Fabric policy is evaluated over (``protoutil/signeddata.go``)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property


@dataclass(frozen=True)
class SignedData:
    """``data`` signed by ``identity`` (a serialized SerializedIdentity) producing ``signature``."""

    data: bytes
    identity: bytes
    signature: bytes

    @cached_property
    def digest(self) -> bytes:
        """SHA-256 of ``data``, computed once: every sub-policy of an implicit meta policy verifies the same
        signed data again, and the verify cache is keyed on this digest."""
        return hashlib.sha256(self.data).digest()
