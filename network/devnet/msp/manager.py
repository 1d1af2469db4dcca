"""The channel's MSP manager: routes a serialized identity to the MSP named by its ``mspid``
(``msp/mspmgrimpl.go`` ``DeserializeIdentity``)."""

from __future__ import annotations

from collections.abc import Mapping

from fabric_protos.msp import identities_pb2

from network.devnet.msp.errors import IdentityError
from network.devnet.msp.identity import MSPIdentity, parse_serialized_identity
from network.devnet.msp.x509msp import X509MSP

IDENTITY_CACHE_SIZE = 256
"""Identities remembered by serialized bytes across all MSPs of the channel."""


class MSPManager:
    def __init__(self, msps: Mapping[str, X509MSP]) -> None:
        self.msps = dict(msps)
        self._identities: dict[bytes, MSPIdentity] = {}

    def msp(self, mspid: str) -> X509MSP:
        try:
            return self.msps[mspid]
        except KeyError:
            raise IdentityError(f"MSP {mspid} is not defined on channel") from None

    def deserialize_identity(self, serialized: bytes) -> MSPIdentity:
        """Route to the MSP named by ``mspid``. Successes are remembered by the serialized bytes: the bytes
        fix the mspid, so the same MSP would answer, and its own cache would return an equivalent immutable
        identity (failures are not remembered and take the full path every time)."""
        cached = self._identities.get(serialized)
        if cached is not None:
            return cached
        identity = self._route(serialized)
        if len(self._identities) >= IDENTITY_CACHE_SIZE:
            self._identities.clear()  # crude bound; plain dict operations stay safe across threads
        self._identities[serialized] = identity
        return identity

    def _route(self, serialized: bytes) -> MSPIdentity:
        return self.msp(parse_serialized_identity(serialized).mspid).deserialize_identity(serialized)

    def is_well_formed(self, serialized: bytes) -> None:
        sid = identities_pb2.SerializedIdentity.FromString(serialized)
        self.msp(sid.mspid).is_well_formed(serialized)
