"""Fixtures for the REST gateway on devnet: operator-made wallet and API keys, and a live gateway process.

Builds on ``asset_net`` (tests/integration/conftest.py: a 3-org devnet with the asset chaincode deployed).
Every identity is imported into the wallet from its generated MSP folder with ``python -m gateway
import-identity``; every API key comes from ``python -m gateway add-api-key``. The shared gateway serves
all three orgs from one process (so the isolation tests exercise the strongest case: the other org's
keys are in the same wallet, one header away).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from gsi_gateway import GatewayProcess, OrgPeer, add_api_key, import_identity, start_gateway, write_config
from integration.conftest import AssetNetwork

# gateway org name -> (MSP ID, users imported into the wallet as "<org lower>-<user>")
ORGS: dict[str, tuple[str, tuple[str, ...]]] = {
    "Org1": ("Org1MSP", ("issuer1", "kyc1", "alice")),
    "Org2": ("Org2MSP", ("issuer2", "kyc2", "bob")),
    "Org3": ("Org3MSP", ("auditor3", "carol")),
}


def label(org: str, user: str) -> str:
    return f"{org.lower()}-{user}"


@dataclass
class GatewayWorld:
    """Wallet, API keys and peers of the three orgs; ``config()`` writes a gateway configuration."""

    net: AssetNetwork
    root: Path
    wallet: Path
    keys: Path
    peers: dict[str, OrgPeer]
    api_keys: dict[str, str] = field(default_factory=dict)  # org -> key listing all of that org's identities
    misissued_key: str = ""  # bound to Org2 but listing Org1's issuer: the wallet check must still refuse

    def config(
        self, name: str, store_url: str | None = None, orgs: tuple[str, ...] = tuple(ORGS), **extra: object
    ) -> Path:
        url = store_url or f"sqlite:///{self.root / (name + '.db')}"
        return write_config(
            self.root / f"{name}.yaml",
            [self.peers[o] for o in orgs],
            self.net.channel,
            self.net.chaincode,
            url,
            self.wallet,
            self.keys,
            **extra,
        )

    def headers(self, org: str, user: str, **more: str) -> dict[str, str]:
        return {"X-API-Key": self.api_keys[org], "X-Fabric-Identity": label(org, user), **more}

    def account(self, org: str, user: str) -> str:
        return self.net.account(ORGS[org][0], user)


@pytest.fixture(scope="session")
def gw_world(asset_net: AssetNetwork, tmp_path_factory: pytest.TempPathFactory) -> GatewayWorld:
    root = tmp_path_factory.mktemp("gwsvc")
    peers: dict[str, OrgPeer] = {}
    for org, (msp, _) in ORGS.items():
        address, _ca, host = asset_net.peer_endpoint(msp)
        peers[org] = OrgPeer(org, msp, address, asset_net.layout.tlsca_cert(msp), host)
    world = GatewayWorld(asset_net, root, root / "wallet.json", root / "api-keys.json", peers)
    for org, (msp, users) in ORGS.items():
        for user in users:
            import_identity(world.wallet, label(org, user), org, msp, asset_net.msp_dir(msp, user))
        world.api_keys[org] = add_api_key(world.keys, org, [label(org, u) for u in users])
    world.misissued_key = add_api_key(world.keys, "Org2", [label("Org1", "issuer1"), label("Org2", "bob")])
    return world


@pytest.fixture(scope="session")
def gateway(gw_world: GatewayWorld) -> Iterator[GatewayProcess]:
    """The shared gateway process (SQLite store) serving Org1, Org2 and Org3."""
    gw = start_gateway(gw_world.config("shared"))
    try:
        yield gw
    finally:
        gw.stop()


@pytest.fixture
def http(gateway: GatewayProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gateway.base, timeout=90) as client:
        yield client


@pytest.fixture
def gateway_factory(gw_world: GatewayWorld) -> Iterator[Callable[..., GatewayProcess]]:
    """Start extra gateway processes (own config); all stopped at the end of the test, even on failure."""
    started: list[GatewayProcess] = []

    def start(config: Path, failpoint: str | None = None, wait_for: str = "/readyz") -> GatewayProcess:
        gw = start_gateway(config, failpoint, wait_for=wait_for)
        started.append(gw)
        return gw

    yield start
    for gw in started:
        gw.stop()
