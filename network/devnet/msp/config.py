"""Reading an X.509 MSP's configuration (``msp/mspimplsetup.go``).

The channel carries a verifying ``FabricMSPConfig`` per organisation. Setup parses its certificates,
computes the *certifiers identifier* of every configured OU (SHA-256 over the raw certificates of the
OU certificate's chain, ``getCertifiersIdentifier``), decides whether NodeOU classification is enforced
(``setupNodeOUsV142``: on when enabled and at least one of the four NodeOU identifiers is present) and
records which CA certificates issued another CA (``certificationTreeInternalNodesMap``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from fabric_protos.msp import msp_config_pb2

from network.devnet.msp.chain import unique_validation_chain
from network.devnet.msp.errors import MSPConfigError

NODE_OU_FIELDS = {
    "client": "client_ou_identifier",
    "peer": "peer_ou_identifier",
    "admin": "admin_ou_identifier",
    "orderer": "orderer_ou_identifier",
}


@dataclass(frozen=True)
class OUIdentifier:
    """An OU value plus the certifiers identifier it must come with (empty = any issuer)."""

    organizational_unit_identifier: str
    certifiers_identifier: bytes = b""


def parse_pem_certificates(field_name: str, pems: list[bytes]) -> list[x509.Certificate]:
    certs: list[x509.Certificate] = []
    for i, pem in enumerate(pems):
        try:
            certs.extend(x509.load_pem_x509_certificates(bytes(pem)))
        except ValueError as exc:
            raise MSPConfigError(f"{field_name}[{i}]: not a PEM certificate: {exc}") from exc
    return certs


def chain_identifier(chain: list[x509.Certificate]) -> bytes:
    """``getCertificationChainIdentifierFromChain``: SHA-256 of the concatenated raw certificates."""
    return hashlib.sha256(b"".join(raw(c) for c in chain)).digest()


def raw(cert: x509.Certificate) -> bytes:
    """Go's ``cert.Raw``."""
    return cert.public_bytes(Encoding.DER)


@dataclass
class MSPSettings:
    """Parsed, validated form of a ``FabricMSPConfig``."""

    name: str
    roots: list[x509.Certificate]
    intermediates: list[x509.Certificate]
    admins: list[x509.Certificate]
    crls: list[x509.CertificateRevocationList]
    ou_identifiers: dict[str, list[bytes]] = field(default_factory=dict)
    node_ous: dict[str, OUIdentifier] = field(default_factory=dict)
    ou_enforcement: bool = False
    internal_nodes: set[bytes] = field(default_factory=set)
    tls_roots: list[x509.Certificate] = field(default_factory=list)
    tls_intermediates: list[x509.Certificate] = field(default_factory=list)


def certifiers_identifier(settings: MSPSettings, pem: bytes, field_name: str) -> bytes:
    """The OU certificate must be one of the MSP's CA certs; identifier = hash of its chain."""
    try:
        cert = x509.load_pem_x509_certificate(pem)
    except ValueError as exc:
        raise MSPConfigError(f"{field_name}: not a PEM certificate") from exc
    if any(cert == r for r in settings.roots):
        return chain_identifier([cert])
    if not any(cert == i for i in settings.intermediates):
        raise MSPConfigError(f"{field_name}: certificate is not a root or intermediate CA of the MSP")
    try:
        chain = unique_validation_chain(cert, settings.roots, settings.intermediates)
    except ValueError as exc:
        raise MSPConfigError(f"{field_name}: {exc}") from exc
    return chain_identifier(chain)


def settings_from_config(config: msp_config_pb2.FabricMSPConfig) -> MSPSettings:
    """``setupV142`` essentials: CAs, admins, CRLs, OU identifiers, NodeOUs, CA tree internal nodes."""
    if not config.name:
        raise MSPConfigError("name: MSP ID must not be empty")
    roots = parse_pem_certificates("root_certs", list(config.root_certs))
    if not roots:
        raise MSPConfigError(f"root_certs: MSP {config.name} has no root CA certificate")
    settings = MSPSettings(
        name=config.name,
        roots=roots,
        intermediates=parse_pem_certificates("intermediate_certs", list(config.intermediate_certs)),
        admins=parse_pem_certificates("admins", list(config.admins)),
        crls=[],
        tls_roots=parse_pem_certificates("tls_root_certs", list(config.tls_root_certs)),
        tls_intermediates=parse_pem_certificates("tls_intermediate_certs", list(config.tls_intermediate_certs)),
    )
    for i, crl_pem in enumerate(config.revocation_list):
        try:
            settings.crls.append(x509.load_pem_x509_crl(bytes(crl_pem)))
        except ValueError as exc:
            raise MSPConfigError(f"revocation_list[{i}]: not a PEM CRL") from exc
    for i, ou in enumerate(config.organizational_unit_identifiers):
        cid = b""
        if ou.certificate:
            cid = certifiers_identifier(settings, bytes(ou.certificate), f"organizational_unit_identifiers[{i}]")
        settings.ou_identifiers.setdefault(ou.organizational_unit_identifier, []).append(cid)
    if config.HasField("fabric_node_ous"):
        node_ous = config.fabric_node_ous
        for role, field_name in NODE_OU_FIELDS.items():
            if not node_ous.HasField(field_name):
                continue
            ident = getattr(node_ous, field_name)
            cid = b""
            if ident.certificate:
                cid = certifiers_identifier(settings, bytes(ident.certificate), f"fabric_node_ous.{field_name}")
            settings.node_ous[role] = OUIdentifier(ident.organizational_unit_identifier, cid)
        settings.ou_enforcement = bool(node_ous.enable) and bool(settings.node_ous)
    for ca in settings.roots + settings.intermediates:
        try:
            chain = unique_validation_chain(ca, settings.roots, settings.intermediates)
        except ValueError as exc:
            raise MSPConfigError(f"intermediate_certs: CA {ca.subject.rfc4514_string()} invalid: {exc}") from exc
        settings.internal_nodes.update(raw(c) for c in chain[1:])
    return settings
