"""Service configuration: which orgs this process serves and how it reaches each org's peer."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class PeerEndpoint:
    address: str  # host:port of the org's peer Gateway service
    tls_ca: Path | None = None
    server_name: str | None = None
    client_cert: Path | None = None  # mutual TLS (peer.tls.clientAuthRequired)
    client_key: Path | None = None


@dataclass(frozen=True)
class OrgSettings:
    name: str
    msp_id: str
    channel: str
    chaincode: str
    peer: PeerEndpoint | None = None


@dataclass(frozen=True)
class Settings:
    orgs: dict[str, OrgSettings]
    store_url: str = "sqlite:///gateway-store.db"
    wallet_path: Path = Path("wallet.json")
    api_key_file: Path = Path("api-keys.json")
    jwt: dict[str, Any] | None = None
    commit_timeout: float = 30.0
    mvcc_retries: int = 3
    async_workers: int = 8
    recovery_grace: float = 0.0  # with several replicas on one store: more than commit_timeout
    recovery_interval: float = 30.0
    sse_heartbeat: float = 15.0  # seconds between keep-alive comments on an idle event stream
    max_in_flight: int = 256  # worker threads for blocking handlers (a sync submit holds one until commit)
    extra: dict[str, Any] = field(default_factory=dict)


def _require(data: dict[str, Any], key: str, where: str) -> Any:
    if key not in data or data[key] in (None, ""):
        raise ValueError(f"{where}.{key}: required")
    return data[key]


def parse_settings(data: dict[str, Any]) -> Settings:
    """Build settings from a YAML/JSON document, naming the offending field on error."""
    orgs_raw = _require(data, "orgs", "config")
    if not isinstance(orgs_raw, dict) or not orgs_raw:
        raise ValueError("config.orgs: must be a non-empty mapping of org name -> settings")
    orgs: dict[str, OrgSettings] = {}
    for name, raw in orgs_raw.items():
        where = f"config.orgs.{name}"
        if not isinstance(raw, dict):
            raise ValueError(f"{where}: must be a mapping")
        peer_raw = raw.get("peer")
        peer = None
        if peer_raw is not None and not isinstance(peer_raw, dict):
            raise ValueError(f"{where}.peer: must be a mapping with address (and tls_ca, server_name, ...)")
        if peer_raw is not None:
            peer = PeerEndpoint(
                address=str(_require(peer_raw, "address", where + ".peer")),
                tls_ca=Path(peer_raw["tls_ca"]) if peer_raw.get("tls_ca") else None,
                server_name=peer_raw.get("server_name"),
                client_cert=Path(peer_raw["client_cert"]) if peer_raw.get("client_cert") else None,
                client_key=Path(peer_raw["client_key"]) if peer_raw.get("client_key") else None,
            )
            if (peer.client_cert is None) != (peer.client_key is None):
                raise ValueError(f"{where}.peer.client_cert/client_key: give both for mutual TLS, or neither")
            if peer.client_cert is not None and peer.tls_ca is None:
                raise ValueError(f"{where}.peer.tls_ca: required with a TLS client certificate")
        orgs[str(name)] = OrgSettings(
            name=str(name),
            msp_id=str(_require(raw, "msp_id", where)),
            channel=str(_require(raw, "channel", where)),
            chaincode=str(_require(raw, "chaincode", where)),
            peer=peer,
        )
    retries = int(data.get("mvcc_retries", 3))
    if not 0 <= retries <= 20:
        raise ValueError("config.mvcc_retries: must be between 0 and 20")
    return Settings(
        orgs=orgs,
        store_url=str(data.get("store_url", "sqlite:///gateway-store.db")),
        wallet_path=Path(data.get("wallet", "wallet.json")),
        api_key_file=Path(data.get("api_keys", "api-keys.json")),
        jwt=data.get("jwt"),
        commit_timeout=float(data.get("commit_timeout", 30.0)),
        mvcc_retries=retries,
        async_workers=int(data.get("async_workers", 8)),
        recovery_grace=float(data.get("recovery_grace", 0.0)),
        recovery_interval=float(data.get("recovery_interval", 30.0)),
        max_in_flight=int(data.get("max_in_flight", 256)),
        sse_heartbeat=float(data.get("sse_heartbeat", 15.0)),
    )


def load_settings(path: Path) -> Settings:
    data = yaml.safe_load(path.read_text())
    if not isinstance(data, dict):
        raise ValueError(f"{path}: must hold a YAML mapping")
    return parse_settings(data)
