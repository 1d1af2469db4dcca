"""The X.509 MSP: deserialization, validation and principal satisfaction (``msp/mspimpl.go``,
``msp/mspimplvalidate.go``; MSP version 1.4.2+ semantics, which every V2/V3 channel uses)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TypeVar

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import NameOID, SignatureAlgorithmOID
from fabric_protos.msp import identities_pb2, msp_config_pb2, msp_principal_pb2
from google.protobuf.message import DecodeError, Message

from network.devnet.msp.chain import is_ca, unique_validation_chain
from network.devnet.msp.config import MSPSettings, OUIdentifier, chain_identifier, raw, settings_from_config
from network.devnet.msp.der import is_canonical_ecdsa_signature, sanitize_ecdsa_certificate
from network.devnet.msp.errors import IdentityError
from network.devnet.msp.identity import MSPIdentity, parse_serialized_identity
from network.devnet.msp.pem import decode_first

IDENTITY_CACHE_SIZE = 100
"""Fabric's ``msp/cache`` keeps 100 deserialized identities (``deserializeIdentityCacheSize``)."""

Principal = msp_principal_pb2.MSPPrincipal
Role = msp_principal_pb2.MSPRole

_ECDSA_SIGNATURES = {
    SignatureAlgorithmOID.ECDSA_WITH_SHA1,
    SignatureAlgorithmOID.ECDSA_WITH_SHA224,
    SignatureAlgorithmOID.ECDSA_WITH_SHA256,
    SignatureAlgorithmOID.ECDSA_WITH_SHA384,
    SignatureAlgorithmOID.ECDSA_WITH_SHA512,
}
_CURVE_ORDERS = {
    "secp256r1": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    "secp384r1": int(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973", 16
    ),
}


M = TypeVar("M", bound=Message)


def _unmarshal(message_type: type[M], data: bytes, what: str) -> M:
    try:
        return message_type.FromString(data)
    except DecodeError as exc:
        raise IdentityError(f"could not unmarshal {what} from principal") from exc


def subject_ous(cert: x509.Certificate) -> list[str]:
    return [str(a.value) for a in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)]


class X509MSP:
    """One organisation's MSP as configured in a channel (or a node's local MSP)."""

    def __init__(self, settings: MSPSettings) -> None:
        self.settings = settings
        self.name = settings.name
        self._cache: OrderedDict[bytes, MSPIdentity] = OrderedDict()
        self._cache_lock = threading.Lock()

    @classmethod
    def from_config(cls, config: msp_config_pb2.FabricMSPConfig) -> X509MSP:
        return cls(settings_from_config(config))

    # -- deserialization ------------------------------------------------------------------------------
    def deserialize_identity(self, serialized: bytes) -> MSPIdentity:
        """``DeserializeIdentity``: SerializedIdentity of *this* MSP whose first PEM block is a certificate.

        Successful results are cached (bounded LRU), as Fabric's ``msp/cache`` does; identities are
        immutable apart from their memoised validation outcome, so sharing them is safe.
        """
        with self._cache_lock:
            cached = self._cache.get(serialized)
            if cached is not None:
                self._cache.move_to_end(serialized)
                return cached
        identity = self._deserialize(serialized)
        with self._cache_lock:
            self._cache[serialized] = identity
            if len(self._cache) > IDENTITY_CACHE_SIZE:
                self._cache.popitem(last=False)
        return identity

    def _deserialize(self, serialized: bytes) -> MSPIdentity:
        sid = parse_serialized_identity(serialized)
        if sid.mspid != self.name:
            raise IdentityError(f"expected MSP ID {self.name}, received {sid.mspid}")
        return self.identity_from_pem(bytes(sid.id_bytes), serialized)

    def identity_from_pem(self, pem: bytes, serialized: bytes | None = None) -> MSPIdentity:
        block, _ = decode_first(pem)
        if block is None:
            raise IdentityError("could not decode the PEM structure")
        try:
            cert = x509.load_der_x509_certificate(block.data)
        except ValueError as exc:
            raise IdentityError(f"parseCertificate failed: {exc}") from exc
        try:
            chain = unique_validation_chain(cert, self.settings.roots, self.settings.intermediates)
        except ValueError as exc:
            raise IdentityError(f"could not obtain certification chain: {exc}") from exc
        if serialized is None:
            serialized = identities_pb2.SerializedIdentity(mspid=self.name, id_bytes=pem).SerializeToString()
        return MSPIdentity(self.name, cert, self._sanitized(cert, chain), serialized, chain, self)

    def _sanitized(self, cert: x509.Certificate, chain: list[x509.Certificate]) -> bytes:
        """``sanitizeCert``: low-S re-encoding of an ECDSA certificate signature (parent = issuer or self)."""
        der = raw(cert)
        if cert.signature_algorithm_oid not in _ECDSA_SIGNATURES:
            return der
        parent = cert if len(chain) == 1 else chain[1]
        key = parent.public_key()
        order = _CURVE_ORDERS.get(key.curve.name) if isinstance(key, ec.EllipticCurvePublicKey) else None
        return sanitize_ecdsa_certificate(der, order) if order else der

    def is_well_formed(self, serialized: bytes) -> None:
        """``IsWellFormed``: one CERTIFICATE PEM block, nothing after it, canonical ECDSA signature."""
        sid = identities_pb2.SerializedIdentity.FromString(serialized)
        block, rest = decode_first(bytes(sid.id_bytes))
        if block is None:
            raise IdentityError("PEM decoding resulted in an empty block")
        if rest:
            raise IdentityError("identity has trailing bytes after the PEM block")
        if block.type not in ("CERTIFICATE", ""):
            raise IdentityError(f"pem type is {block.type}, should be 'CERTIFICATE' or missing")
        try:
            cert = x509.load_der_x509_certificate(block.data)
        except ValueError as exc:
            raise IdentityError(f"not a certificate: {exc}") from exc
        ecdsa_signed = cert.signature_algorithm_oid in _ECDSA_SIGNATURES
        if ecdsa_signed and not is_canonical_ecdsa_signature(cert.signature):
            raise IdentityError("certificate signature is not in canonical DER form")

    # -- validation -----------------------------------------------------------------------------------
    def validate(self, identity: MSPIdentity) -> None:
        """``validateIdentity``: key algorithm, not a CA, chain, CRLs, OUs."""
        key = identity.certificate.public_key()
        if not isinstance(key, ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey):
            raise IdentityError("could not validate identity's public key algorithm: not supported")
        if is_ca(identity.certificate):
            raise IdentityError(
                "An X509 certificate with Basic Constraint: Certificate Authority equals true cannot be used as "
                "an identity"
            )
        chain = identity.chain
        if len(chain) < 2:
            raise IdentityError(f"expected a chain of length at least 2, got {len(chain)}")
        if raw(chain[1]) in self.settings.internal_nodes:
            raise IdentityError("invalid validation chain: parent certificate should be a leaf of the CA tree")
        self._check_revocation(identity.certificate, chain[1])
        self._validate_ous_v1(identity)
        self._validate_node_ous(identity)

    def _check_revocation(self, cert: x509.Certificate, issuer: x509.Certificate) -> None:
        """``validateCertAgainstChain``: CRL from the issuing CA (AKI == issuer SKI) lists the serial."""
        try:
            ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
        except x509.ExtensionNotFound as exc:
            if not self.settings.crls:
                return
            raise IdentityError("could not obtain Subject Key Identifier for signer cert") from exc
        for crl in self.settings.crls:
            try:
                aki = crl.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
            except x509.ExtensionNotFound:
                continue
            if aki != ski or crl.get_revoked_certificate_by_serial_number(cert.serial_number) is None:
                continue
            if crl.is_signature_valid(issuer.public_key()):  # type: ignore[arg-type]
                raise IdentityError("The certificate has been revoked")

    def organizational_units(self, identity: MSPIdentity) -> list[OUIdentifier]:
        cid = chain_identifier(identity.chain[1:])
        return [OUIdentifier(ou, cid) for ou in subject_ous(identity.certificate)]

    def _validate_ous_v1(self, identity: MSPIdentity) -> None:
        """Legacy OU restriction: with configured OU identifiers the identity must carry one of them."""
        if not self.settings.ou_identifiers:
            return
        ous = identity.organizational_units()
        for ou in ous:
            for cid in self.settings.ou_identifiers.get(ou.organizational_unit_identifier, []):
                if not cid or cid == ou.certifiers_identifier:
                    return
        raise IdentityError("none of the identity's organizational units is in MSP " + self.name)

    def _validate_node_ous(self, identity: MSPIdentity) -> None:
        """``validateIdentityOUsV142``: exactly one of client/peer/admin/orderer, with matching certifiers."""
        if not self.settings.ou_enforcement:
            return
        special = {ou.organizational_unit_identifier: ou for ou in self.settings.node_ous.values()}
        count = 0
        for ou in identity.organizational_units():
            node_ou = special.get(ou.organizational_unit_identifier)
            if node_ou is None:
                continue
            if node_ou.certifiers_identifier and node_ou.certifiers_identifier != ou.certifiers_identifier:
                raise IdentityError(f"certifiersIdentifier does not match for OU {ou.organizational_unit_identifier}")
            count += 1
            if count > 1:
                break
        if count != 1:
            raise IdentityError(
                "the identity must be a client, a peer, an orderer or an admin identity to be valid, "
                "not a combination of them"
            )

    # -- principals -----------------------------------------------------------------------------------
    def satisfies_principal(self, identity: MSPIdentity, principal: Principal) -> None:
        """Raise :class:`IdentityError` unless every collected principal is satisfied."""
        for p in collect_principals(principal):
            self._satisfies_v142(identity, p)

    def _is_admin_cert(self, identity: MSPIdentity) -> bool:
        mine = {identity.sanitized_der, raw(identity.certificate)}
        return any(raw(a) in mine for a in self.settings.admins)

    def _has_node_ou(self, identity: MSPIdentity, role: str) -> None:
        if not self.settings.ou_enforcement:
            raise IdentityError("NodeOUs not activated. Cannot tell apart identities.")
        node_ou = self.settings.node_ous.get(role)
        if node_ou is None:
            raise IdentityError(f"cannot test for classification, node ou for type [{role}] not defined")
        if not any(
            ou.organizational_unit_identifier == node_ou.organizational_unit_identifier
            for ou in identity.organizational_units()
        ):
            raise IdentityError(f"The identity is not a [{role}] under this MSP [{self.name}]")

    def _satisfies_v142(self, identity: MSPIdentity, principal: Principal) -> None:
        if principal.principal_classification == Principal.ROLE and self.settings.ou_enforcement:
            role = _unmarshal(Role, principal.principal, "MSPRole")
            if role.msp_identifier != self.name:
                raise IdentityError(f"the identity is a member of a different MSP (expected {role.msp_identifier})")
            if role.role == Role.ADMIN:
                if self._is_admin_cert(identity):
                    return
                identity.validate()
                self._has_node_ou(identity, "admin")
                return
            if role.role == Role.ORDERER:
                identity.validate()
                self._has_node_ou(identity, "orderer")
                return
        self._satisfies_v13(identity, principal)

    def _satisfies_v13(self, identity: MSPIdentity, principal: Principal) -> None:
        if principal.principal_classification == Principal.COMBINED:
            raise IdentityError("SatisfiesPrincipalInternal shall not be called with a CombinedPrincipal")
        if principal.principal_classification == Principal.ANONYMITY:
            anon = _unmarshal(msp_principal_pb2.MSPIdentityAnonymity, principal.principal, "MSPIdentityAnonymity")
            if anon.anonymity_type == msp_principal_pb2.MSPIdentityAnonymity.NOMINAL:
                return
            raise IdentityError("Principal is anonymous, but X.509 MSP does not support anonymous identities")
        self._satisfies_pre_v13(identity, principal)

    def _satisfies_pre_v13(self, identity: MSPIdentity, principal: Principal) -> None:
        kind = principal.principal_classification
        if kind == Principal.ROLE:
            role = _unmarshal(Role, principal.principal, "MSPRole")
            if role.msp_identifier != self.name:
                raise IdentityError(f"the identity is a member of a different MSP (expected {role.msp_identifier})")
            if role.role == Role.MEMBER:
                identity.validate()
            elif role.role == Role.ADMIN:
                if not self._is_admin_cert(identity):
                    raise IdentityError("This identity is not an admin")
            elif role.role in (Role.CLIENT, Role.PEER):
                identity.validate()
                self._has_node_ou(identity, "client" if role.role == Role.CLIENT else "peer")
            else:
                raise IdentityError(f"invalid MSP role type {role.role}")
        elif kind == Principal.IDENTITY:
            other = self.deserialize_identity(principal.principal)
            if raw(other.certificate) != raw(identity.certificate):
                raise IdentityError("The identities do not match")
            other.validate()
        elif kind == Principal.ORGANIZATION_UNIT:
            ou = _unmarshal(msp_principal_pb2.OrganizationUnit, principal.principal, "OrganizationUnit")
            if ou.msp_identifier != self.name:
                raise IdentityError(f"the identity is a member of a different MSP (expected {ou.msp_identifier})")
            identity.validate()
            for mine in identity.organizational_units():
                if (
                    mine.organizational_unit_identifier == ou.organizational_unit_identifier
                    and mine.certifiers_identifier == ou.certifiers_identifier
                ):
                    return
            raise IdentityError("The identities do not match")
        else:
            raise IdentityError(f"invalid principal type {kind}")


def collect_principals(principal: Principal) -> list[Principal]:
    """Flatten COMBINED principals (``collectPrincipals``); all of them must be satisfied."""
    if principal.principal_classification != Principal.COMBINED:
        return [principal]
    combined = _unmarshal(msp_principal_pb2.CombinedPrincipal, principal.principal, "CombinedPrincipal")
    if not combined.principals:
        raise IdentityError("No principals in CombinedPrincipal")
    out: list[Principal] = []
    for p in combined.principals:
        out.extend(collect_principals(p))
    return out
