"""Fixtures for the gateway client tests."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from gwclient_support import make_identity

from gateway.client.identity import Identity, Signer


@pytest.fixture(scope="session")
def client() -> tuple[Identity, Signer, ec.EllipticCurvePrivateKey]:
    return make_identity("Org1MSP", "user1")


@pytest.fixture(scope="session")
def peers() -> list[tuple[Identity, Signer, ec.EllipticCurvePrivateKey]]:
    return [make_identity("Org1MSP", "peer0.org1"), make_identity("Org2MSP", "peer0.org2")]
