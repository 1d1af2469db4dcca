"""Assemble a Runtime from a configuration file: wallet, store, API keys, JWT and one Fabric port per org."""

from __future__ import annotations

import functools
from pathlib import Path

import grpc

from gateway.auth.apikeys import load_key_file
from gateway.auth.jwt_auth import JwtVerifier
from gateway.service.aio_port import AsyncClientPort
from gateway.service.client_port import ClientPort
from gateway.service.fabric_port import AsyncFabricPort, FabricPort
from gateway.service.runtime import Runtime
from gateway.service.settings import OrgSettings, Settings, load_settings
from gateway.store.open_store import open_store
from gateway.wallet.kek import kek_from_environment
from gateway.wallet.wallet import Wallet


def peer_channel(org: OrgSettings) -> grpc.Channel:
    if org.peer is None:
        raise ValueError(f"config.orgs.{org.name}.peer: required to serve this org")
    if org.peer.tls_ca is None:
        return grpc.insecure_channel(org.peer.address)
    from gateway.client.tls import secure_channel

    peer = org.peer
    return secure_channel(
        peer.address,
        peer.tls_ca.read_bytes(),
        peer.server_name,
        peer.client_cert.read_bytes() if peer.client_cert else None,
        peer.client_key.read_bytes() if peer.client_key else None,
    )


def peer_aio_channel(org: OrgSettings) -> grpc.aio.Channel:
    """The ``grpc.aio`` twin of :func:`peer_channel` (same TLS settings); call it inside the serving loop."""
    peer = org.peer
    if peer is None:
        raise ValueError(f"config.orgs.{org.name}.peer: required to serve this org")
    if peer.tls_ca is None:
        return grpc.aio.insecure_channel(peer.address)
    credentials = grpc.ssl_channel_credentials(
        root_certificates=peer.tls_ca.read_bytes(),
        private_key=peer.client_key.read_bytes() if peer.client_key else None,
        certificate_chain=peer.client_cert.read_bytes() if peer.client_cert else None,
    )
    options = [("grpc.ssl_target_name_override", peer.server_name)] if peer.server_name else []
    return grpc.aio.secure_channel(peer.address, credentials, options=options)


def jwt_verifier(settings: Settings) -> JwtVerifier | None:
    cfg = settings.jwt
    if not cfg:
        return None
    if "key_file" in cfg:
        key: str | bytes = Path(cfg["key_file"]).read_bytes()
    elif "secret_env" in cfg:
        import os

        key = os.environ.get(cfg["secret_env"], "")
        if len(key) < 32:
            raise ValueError(f"config.jwt.secret_env: {cfg['secret_env']} must hold at least 32 characters")
    else:
        raise ValueError("config.jwt: needs key_file (ES256 public key) or secret_env (HS256 secret)")
    return JwtVerifier(str(cfg.get("algorithm", "ES256")), key, cfg.get("audience"), cfg.get("issuer"))


def build_runtime(config: Path) -> Runtime:
    settings = load_settings(config)
    ports: dict[str, FabricPort] = {name: ClientPort(peer_channel(org)) for name, org in settings.orgs.items()}
    aio_ports: dict[str, AsyncFabricPort] = {
        name: AsyncClientPort(functools.partial(peer_aio_channel, org)) for name, org in settings.orgs.items()
    }
    from concurrent.futures import ThreadPoolExecutor

    return Runtime(
        settings=settings,
        ports=ports,
        aio_ports=aio_ports,
        wallet=Wallet.open(settings.wallet_path, kek_from_environment()),
        store=open_store(settings.store_url),
        api_keys=load_key_file(settings.api_key_file),
        jwt=jwt_verifier(settings),
        executor=ThreadPoolExecutor(settings.async_workers, "gateway-async"),
    )
