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
from fabric_protos.msp import identities_pb2, msp_principal_pb2
from google.protobuf.message import DecodeError

from network.devnet.msp.config import OUIdentifier
from network.devnet.msp.ecdsaverify import half_order, verify_ecdsa_sha256_digest
from network.devnet.msp.errors import IdentityError

if TYPE_CHECKING:
    from network.devnet.msp.x509msp import X509MSP


def parse_serialized_identity(serialized: bytes) -> identities_pb2.SerializedIdentity:
    """The ``SerializedIdentity`` (mspid + PEM) in ``serialized``. Both the manager's routing
    (``msp/mspmgrimpl.go`` ``DeserializeIdentity``) and the MSP itself (``msp/mspimpl.go``
    ``deserializeIdentity``) refuse undecodable bytes with this same message."""
    try:
        return identities_pb2.SerializedIdentity.FromString(serialized)
    except DecodeError as exc:
        raise IdentityError("could not deserialize a SerializedIdentity") from exc


VERIFY_CACHE_SIZE = 4096
"""Signature outcomes remembered per identity (digest-sized keys: well under 1 MB per identity)."""

PRINCIPAL_CACHE_SIZE = 256
"""Principal verdicts remembered per identity (a channel's policies name a handful of principals)."""


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
    _public_key: list[tuple[object, int | None]] = field(default_factory=list)
    _ous: list[list[OUIdentifier]] = field(default_factory=list)
    _principals: dict[bytes, bool] = field(default_factory=dict)

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

    def verify(self, message: bytes, signature: bytes, digest: bytes | None = None) -> bool:
        """ECDSA: SHA-256, DER, low-S only (``bccsp/sw/ecdsa.go`` ``verifyECDSA``); Ed25519 for MSP V3.

        ``digest``, when given, must be SHA-256 of ``message`` (a caller holding it saves hashing again).

        Outcomes are memoised per (signature, SHA-256 of message). Verification is a pure function of the
        key, the message digest and the signature (ECDSA only ever sees the digest), so a repeated check
        gives the same answer without the curve arithmetic. Repeats are common and intended by Fabric's
        policy code: an ImplicitMeta policy hands the whole signature set to each sub-policy, and each
        verifies every signature again (``common/policies/policy.go`` ``SignatureSetToValidIdentities``).
        """
        if digest is None:
            digest = hashlib.sha256(message).digest()
        cache_key = (signature, digest)
        cached = self._verified.get(cache_key)
        if cached is not None:
            return cached
        outcome = self._verify_uncached(message, digest, signature)
        self._remember(cache_key, outcome)
        return outcome

    def remember_own_signature(self, message: bytes, signature: bytes) -> None:
        """Record that ``signature`` over ``message`` verifies, for a signature this node just made with this
        identity's own private key (an endorsement). Signing with the key yields a signature that verifies
        under its public key, and the signer emits low-S DER as Fabric's BCCSP does, so the memoised answer
        is the one the curve arithmetic would give; the caller must only pass signatures it produced itself.
        """
        self._remember((signature, hashlib.sha256(message).digest()), True)

    def _remember(self, cache_key: tuple[bytes, bytes], outcome: bool) -> None:
        if len(self._verified) >= VERIFY_CACHE_SIZE:
            self._verified.clear()  # crude bound; plain dict operations stay safe across threads
        self._verified[cache_key] = outcome

    def _verify_uncached(self, message: bytes, digest: bytes, signature: bytes) -> bool:
        if not self._public_key:
            key = self.certificate.public_key()
            bound = half_order(key) if isinstance(key, ec.EllipticCurvePublicKey) else None
            self._public_key.append((key, bound))
        key, bound = self._public_key[0]
        if isinstance(key, ec.EllipticCurvePublicKey):
            return verify_ecdsa_sha256_digest(key, digest, signature, bound)
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

    def satisfies_principal(
        self, principal: msp_principal_pb2.MSPPrincipal, principal_bytes: bytes | None = None
    ) -> bool:
        """``SatisfiesPrincipal``. With ``principal_bytes`` (= the principal serialized, what a compiled policy
        holds) the verdict is memoised: it depends only on this identity's certificate and chain, its MSP's
        fixed settings and its memoised validation outcome, so it cannot change for a given identity."""
        if principal_bytes is not None:
            cached = self._principals.get(principal_bytes)
            if cached is not None:
                return cached
        try:
            self.msp.satisfies_principal(self, principal)
            outcome = True
        except IdentityError:
            outcome = False
        if principal_bytes is not None:
            if len(self._principals) >= PRINCIPAL_CACHE_SIZE:
                self._principals.clear()
            self._principals[principal_bytes] = outcome
        return outcome
