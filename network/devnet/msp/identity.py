"""An X.509 identity as the Fabric MSP sees it (``msp/identities.go``)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from fabric_protos.msp import msp_principal_pb2

from gateway.client import ecdsa
from network.devnet.msp.config import OUIdentifier
from network.devnet.msp.errors import IdentityError

if TYPE_CHECKING:
    from network.devnet.msp.x509msp import X509MSP


VERIFY_CACHE_SIZE = 4096
"""Signature outcomes remembered per identity (digest-sized keys: well under 1 MB per identity)."""


@dataclass(frozen=True)
class IdentityIdentifier:
    """``IdentityIdentifier{Mspid, Id}``; ``id`` = hex SHA-256 of the sanitised certificate."""

    mspid: str
    id: str


@dataclass(eq=False)
class MSPIdentity:
    """A deserialized identity bound to the MSP that will validate it."""

    mspid: str
    certificate: x509.Certificate
    sanitized_der: bytes
    serialized: bytes
    chain: list[x509.Certificate]
    msp: X509MSP
    _validation: list[IdentityError | None] = field(default_factory=list)
    _verified: dict[tuple[bytes, bytes], bool] = field(default_factory=dict)
    _public_key: list[object] = field(default_factory=list)
    _ous: list[list[OUIdentifier]] = field(default_factory=list)

    @cached_property
    def identifier(self) -> IdentityIdentifier:
        return IdentityIdentifier(self.mspid, hashlib.sha256(self.sanitized_der).hexdigest())

    def validate(self) -> None:
        """Raise :class:`IdentityError` unless valid under its MSP (result cached, as in Fabric)."""
        if not self._validation:
            try:
                self.msp.validate(self)
                self._validation.append(None)
            except IdentityError as exc:
                self._validation.append(exc)
        error = self._validation[0]
        if error is not None:
            raise error

    def is_valid(self) -> bool:
        try:
            self.validate()
        except IdentityError:
            return False
        return True

    def verify(self, message: bytes, signature: bytes) -> bool:
        """ECDSA: SHA-256, DER, low-S only (``bccsp/sw/ecdsa.go`` ``verifyECDSA``); Ed25519 for MSP V3.

        Outcomes are memoised per (signature, SHA-256 of message). Verification is a pure function of the
        key, the message digest and the signature (ECDSA only ever sees the digest), so a repeated check
        gives the same answer without the curve arithmetic. Repeats are common and intended by Fabric's
        policy code: an ImplicitMeta policy hands the whole signature set to each sub-policy, and each
        verifies every signature again (``common/policies/policy.go`` ``SignatureSetToValidIdentities``).
        """
        cache_key = (signature, hashlib.sha256(message).digest())
        cached = self._verified.get(cache_key)
        if cached is not None:
            return cached
        outcome = self._verify_uncached(message, signature)
        if len(self._verified) >= VERIFY_CACHE_SIZE:
            self._verified.clear()  # crude bound; plain dict operations stay safe across threads
        self._verified[cache_key] = outcome
        return outcome

    def _verify_uncached(self, message: bytes, signature: bytes) -> bool:
        if not self._public_key:
            self._public_key.append(self.certificate.public_key())
        key = self._public_key[0]
        if isinstance(key, ec.EllipticCurvePublicKey):
            return ecdsa.verify(key, message, signature)
        if isinstance(key, ed25519.Ed25519PublicKey):
            try:
                key.verify(signature, message)
            except InvalidSignature:
                return False
            return True
        return False

    def expires_at(self) -> dt.datetime:
        """``common/crypto/expiration.go`` ``ExpiresAt``: the certificate's NotAfter."""
        return self.certificate.not_valid_after_utc

    def expired(self, now: dt.datetime | None = None) -> bool:
        return (now or dt.datetime.now(dt.UTC)) > self.expires_at()

    def organizational_units(self) -> list[OUIdentifier]:
        """Subject OUs, each paired with the certifiers identifier of this identity's chain (computed once:
        certificate and chain never change, and every principal check of a NodeOU role needs them)."""
        if not self._ous:
            self._ous.append(self.msp.organizational_units(self))
        return list(self._ous[0])

    def satisfies_principal(self, principal: msp_principal_pb2.MSPPrincipal) -> bool:
        try:
            self.msp.satisfies_principal(self, principal)
        except IdentityError:
            return False
        return True
