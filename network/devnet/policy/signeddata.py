"""``SignedData``: the triple every Fabric policy is evaluated over (``protoutil/signeddata.go``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SignedData:
    """``data`` signed by ``identity`` (a serialized SerializedIdentity) producing ``signature``."""

    data: bytes
    identity: bytes
    signature: bytes
