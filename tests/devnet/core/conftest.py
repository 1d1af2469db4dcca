"""Shared fixtures of the devnet core tests: a few organisations with NodeOU identities."""

from __future__ import annotations

import pytest

from devnet.fixtures.pki import Org


@pytest.fixture(scope="session")
def org1() -> Org:
    return Org.create("Org1MSP")


@pytest.fixture(scope="session")
def org2() -> Org:
    return Org.create("Org2MSP")


@pytest.fixture(scope="session")
def org3() -> Org:
    return Org.create("Org3MSP")


@pytest.fixture(scope="session")
def orderer_org() -> Org:
    return Org.create("OrdererMSP")
