"""An org's channel MSP value, read from its MSP folder exactly as configtxgen does.

configtxgen calls ``msp.GetVerifyingMspConfig(dir, id, "bccsp")`` (``msp/configbuilder.go`` ``getMspConfig``):
every PEM file of ``cacerts``, ``intermediatecerts``, ``admincerts``, ``tlscacerts``, ``tlsintermediatecerts``
and ``crls`` is loaded (folders in lexical file order, Go's ``ioutil.ReadDir``), ``config.yaml`` supplies the
NodeOUs with the *file contents* of the referenced certificate, and the crypto config is fixed to SHA2/SHA256.
No signing identity is included in a channel MSP.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from fabric_protos.msp import msp_config_pb2

FABRIC_MSP_TYPE = 0  # msp.FABRIC; the MSPConfig.type of X.509 MSPs


def _pem_files(folder: Path) -> list[bytes]:
    """Files holding PEM, in name order; Fabric silently skips anything else (``getPemMaterialFromDir``)."""
    if not folder.is_dir():
        return []
    files = (p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file())
    return [data for data in files if b"-----BEGIN " in data]


def _ou_identifier(msp_dir: Path, entry: dict[str, str] | None) -> msp_config_pb2.FabricOUIdentifier | None:
    if not entry or not entry.get("OrganizationalUnitIdentifier"):
        return None
    cert_path = entry.get("Certificate") or ""
    certificate = (msp_dir / cert_path).read_bytes() if cert_path else b""
    return msp_config_pb2.FabricOUIdentifier(
        organizational_unit_identifier=entry["OrganizationalUnitIdentifier"], certificate=certificate
    )


def node_ous_from_config(msp_dir: Path) -> msp_config_pb2.FabricNodeOUs | None:
    """``config.yaml``'s NodeOUs section, or ``None`` when the MSP has no config.yaml / NodeOUs."""
    config_file = msp_dir / "config.yaml"
    if not config_file.is_file():
        return None
    config = yaml.safe_load(config_file.read_text(encoding="utf-8")) or {}
    section = config.get("NodeOUs")
    if not section:
        return None
    node_ous = msp_config_pb2.FabricNodeOUs(enable=bool(section.get("Enable")))
    for key, field in (
        ("ClientOUIdentifier", "client_ou_identifier"),
        ("PeerOUIdentifier", "peer_ou_identifier"),
        ("AdminOUIdentifier", "admin_ou_identifier"),
        ("OrdererOUIdentifier", "orderer_ou_identifier"),
    ):
        identifier = _ou_identifier(msp_dir, section.get(key))
        if identifier is not None:
            getattr(node_ous, field).CopyFrom(identifier)
    return node_ous


def fabric_msp_config(msp_dir: Path, msp_id: str) -> msp_config_pb2.FabricMSPConfig:
    """The verifying ``FabricMSPConfig`` of an MSP folder; fails if it has no root CA certificate."""
    roots = _pem_files(msp_dir / "cacerts")
    if not roots:
        raise FileNotFoundError(f"{msp_dir / 'cacerts'}: an MSP needs at least one CA certificate")
    config = msp_config_pb2.FabricMSPConfig(
        name=msp_id,
        root_certs=roots,
        intermediate_certs=_pem_files(msp_dir / "intermediatecerts"),
        admins=_pem_files(msp_dir / "admincerts"),
        revocation_list=_pem_files(msp_dir / "crls"),
        crypto_config=msp_config_pb2.FabricCryptoConfig(
            signature_hash_family="SHA2", identity_identifier_hash_function="SHA256"
        ),
        tls_root_certs=_pem_files(msp_dir / "tlscacerts"),
        tls_intermediate_certs=_pem_files(msp_dir / "tlsintermediatecerts"),
    )
    node_ous = node_ous_from_config(msp_dir)
    if node_ous is not None:
        config.fabric_node_ous.CopyFrom(node_ous)
    return config


def msp_value(msp_dir: Path, msp_id: str) -> msp_config_pb2.MSPConfig:
    """The ``MSP`` config value: ``MSPConfig{type=FABRIC, config=bytes(FabricMSPConfig)}``."""
    config = fabric_msp_config(msp_dir, msp_id)
    return msp_config_pb2.MSPConfig(type=FABRIC_MSP_TYPE, config=config.SerializeToString(deterministic=True))
