"""Fixtures for the REST gateway on devnet: operator-made wallet and API keys, and a live gateway process.

Builds on ``asset_net`` (tests/integration/conftest.py: a 3-org devnet with the asset chaincode deployed).
Every identity is imported into the wallet from its generated MSP folder with ``python -m gateway
import-identity``; every API key comes from ``python -m gateway add-api-key``. The shared gateway serves
all three orgs from one process (so the isolation tests exercise the strongest case: the other org's
keys are in the same wallet, one header away).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from gsi_gateway import GatewayProcess, OrgPeer, add_api_key, import_identity, start_gateway
from gsi_world import ORGS, GatewayWorld, label
from integration.conftest import AssetNetwork


@pytest.fixture(scope="session")
def gw_world(asset_net: AssetNetwork, tmp_path_factory: pytest.TempPathFactory) -> GatewayWorld:
    root = tmp_path_factory.mktemp("gwsvc")
    peers: dict[str, OrgPeer] = {}
    for org, (msp, _) in ORGS.items():
        address, _ca, host = asset_net.peer_endpoint(msp)
        peers[org] = OrgPeer(org, msp, address, asset_net.layout.tlsca_cert(msp), host)
    # a copy of the asset chaincode of our own: other areas' tests on the shared network cannot freeze our
    # accounts or pause our classes, and the ledger checks below see only this namespace's transactions
    chaincode = asset_net.fresh_chaincode("gw")
    world = GatewayWorld(asset_net, root, root / "wallet.json", root / "api-keys.json", peers, chaincode=chaincode)
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
