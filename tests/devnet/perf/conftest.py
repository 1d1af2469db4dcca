"""Shared fixtures of the devnet performance tests. Each module names its own ``orgs`` (its own MSP IDs)."""

from __future__ import annotations

import pytest

from devnet.fixtures.pki import Org, msp_config
from network.devnet.msp import X509MSP, MSPManager


@pytest.fixture(scope="module")
def manager(orgs: list[Org]) -> MSPManager:
    return MSPManager({o.mspid: X509MSP.from_config(msp_config(o)) for o in orgs})
