"""Where every generated file lives. Every other part of the project finds crypto material through this module.

The tree mirrors Fabric's ``cryptogen`` output so that real Fabric binaries can use it unchanged::

    <root>/spec.resolved.json
    <root>/channel-artifacts/<channel>.block
    <root>/crypto/peerOrganizations/<domain>/{ca,tlsca,msp,peers/<host>/{msp,tls},users/<User>@<domain>/{msp,tls}}
    <root>/crypto/ordererOrganizations/<domain>/{ca,tlsca,msp,orderers/<host>/{msp,tls},users/...}

Orgs are named by MSP ID, org name or domain; nodes by short name (``peer0``) or host (``peer0.org1.example.com``).

Example::

    layout = NetworkLayout(Path("var/net"))
    msp_id, cert_pem, key = load_identity(layout.user_msp_dir("Org1MSP", "User1"))
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

from cryptography.hazmat.primitives.asymmetric import ec

from gateway.client.identity import canonical_pem, read_msp_signing_material
from network.spec import ConsortiumSpec, parse_spec
from network.spec.models import MemberOrgSpec, OrdererOrgSpec

DEFAULT_NETWORK_DIR = Path("var/net")
RESOLVED_SPEC = "spec.resolved.json"
PRIVATE_KEY_FILE = "priv_sk"


class LoadedIdentity(NamedTuple):
    """A signing identity read from an MSP folder; unpacks as ``(msp_id, cert_pem, private_key)``."""

    msp_id: str
    cert_pem: bytes
    private_key: ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class TlsFiles:
    """A node's or user's ``tls/`` folder: the TLS CA cert plus its own cert and key."""

    ca_cert: Path
    cert: Path
    key: Path


def ca_cert_name(domain: str) -> str:
    return f"ca.{domain}-cert.pem"


def tlsca_cert_name(domain: str) -> str:
    return f"tlsca.{domain}-cert.pem"


def user_folder_name(user: str, domain: str) -> str:
    return f"{user}@{domain}"


class NetworkLayout:
    """Paths inside one generated network directory. Paths are computed, never created, here."""

    def __init__(self, root: Path | str, spec: ConsortiumSpec | None = None) -> None:
        self.root = Path(root)
        self._spec = spec

    # --- top level -------------------------------------------------------------------------------------
    @property
    def crypto_dir(self) -> Path:
        return self.root / "crypto"

    @property
    def artifacts_dir(self) -> Path:
        return self.root / "channel-artifacts"

    def resolved_spec_path(self) -> Path:
        return self.root / RESOLVED_SPEC

    @cached_property
    def spec(self) -> ConsortiumSpec:
        """The spec the network was generated from (given to the constructor or read from disk)."""
        if self._spec is not None:
            return self._spec
        return self.resolved_spec()

    def resolved_spec(self) -> ConsortiumSpec:
        path = self.resolved_spec_path()
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no generated network here (run `consortium generate --out {self.root}`)")
        return parse_spec(json.loads(path.read_text(encoding="utf-8")), str(path))

    def genesis_block(self, channel: str) -> Path:
        return self.artifacts_dir / f"{channel}.block"

    # --- orgs ------------------------------------------------------------------------------------------
    def _org(self, org: str) -> MemberOrgSpec | OrdererOrgSpec:
        return self.spec.org(org)

    def org_dir(self, org: str) -> Path:
        spec = self._org(org)
        kind = "ordererOrganizations" if isinstance(spec, OrdererOrgSpec) else "peerOrganizations"
        return self.crypto_dir / kind / spec.domain

    def org_msp_dir(self, org: str) -> Path:
        """The org's verifying MSP (no signing identity): what goes into the channel config."""
        return self.org_dir(org) / "msp"

    def ca_dir(self, org: str) -> Path:
        return self.org_dir(org) / "ca"

    def tlsca_dir(self, org: str) -> Path:
        return self.org_dir(org) / "tlsca"

    def ca_cert(self, org: str) -> Path:
        return self.ca_dir(org) / ca_cert_name(self._org(org).domain)

    def tlsca_cert(self, org: str) -> Path:
        return self.tlsca_dir(org) / tlsca_cert_name(self._org(org).domain)

    def msp_id(self, org: str) -> str:
        return self._org(org).msp_id

    # --- nodes and users -------------------------------------------------------------------------------
    def _host(self, org: str, node: str) -> str:
        domain = self._org(org).domain
        return node if node.endswith("." + domain) else f"{node}.{domain}"

    def peer_dir(self, org: str, peer: str) -> Path:
        return self.org_dir(org) / "peers" / self._host(org, peer)

    def orderer_dir(self, name: str, org: str | None = None) -> Path:
        """An orderer node's folder; ``org`` may be omitted when the node name is unique."""
        for candidate in self.spec.orderer_orgs:
            if org is not None and org not in (candidate.msp_id, candidate.name, candidate.domain):
                continue
            for node in candidate.nodes:
                if name in (node.name, f"{node.name}.{candidate.domain}"):
                    return self.org_dir(candidate.msp_id) / "orderers" / f"{node.name}.{candidate.domain}"
        raise KeyError(f"no orderer node {name!r}")

    def user_dir(self, org: str, user: str) -> Path:
        return self.org_dir(org) / "users" / user_folder_name(user, self._org(org).domain)

    def peer_msp_dir(self, org: str, peer: str) -> Path:
        return self.peer_dir(org, peer) / "msp"

    def user_msp_dir(self, org: str, user: str) -> Path:
        return self.user_dir(org, user) / "msp"

    def admin_msp_dir(self, org: str) -> Path:
        return self.user_msp_dir(org, "Admin")

    def orderer_msp_dir(self, name: str) -> Path:
        return self.orderer_dir(name) / "msp"

    @staticmethod
    def node_tls(node_dir: Path) -> TlsFiles:
        """TLS files of a peer or orderer folder (server cert; Fabric nodes use it as client cert too)."""
        tls = node_dir / "tls"
        return TlsFiles(ca_cert=tls / "ca.crt", cert=tls / "server.crt", key=tls / "server.key")

    @staticmethod
    def user_tls(user_dir: Path) -> TlsFiles:
        tls = user_dir / "tls"
        return TlsFiles(ca_cert=tls / "ca.crt", cert=tls / "client.crt", key=tls / "client.key")

    # --- identities ------------------------------------------------------------------------------------
    def msp_id_for(self, path: Path) -> str:
        """The MSP ID owning a path inside the crypto tree (Fabric MSP folders do not record it)."""
        resolved = path.resolve()
        for org in [*self.spec.orderer_orgs, *self.spec.member_orgs]:
            if resolved.is_relative_to(self.org_dir(org.msp_id).resolve()):
                return org.msp_id
        raise KeyError(f"{path} is not inside an org of the network at {self.root}")

    def load_identity(self, msp_dir: Path) -> LoadedIdentity:
        return LoadedIdentity(self.msp_id_for(msp_dir), *read_signing_material(msp_dir))


def read_signing_material(msp_dir: Path) -> tuple[bytes, ec.EllipticCurvePrivateKey]:
    """``signcerts/*.pem`` (as PEM) and ``keystore/*`` of a local MSP folder (exactly one of each, matching)."""
    cert, key = read_msp_signing_material(msp_dir)
    return canonical_pem(cert), key


def find_network_root(path: Path) -> Path:
    """The nearest ancestor of ``path`` holding ``spec.resolved.json``."""
    for candidate in [path.resolve(), *path.resolve().parents]:
        if (candidate / RESOLVED_SPEC).is_file():
            return candidate
    raise FileNotFoundError(f"{path}: not inside a generated network (no {RESOLVED_SPEC} above it)")


def load_identity(msp_dir: Path | str) -> LoadedIdentity:
    """Load a signing identity from any MSP folder of a generated network: ``(msp_id, cert_pem, private_key)``."""
    msp = Path(msp_dir)
    return NetworkLayout(find_network_root(msp)).load_identity(msp)
