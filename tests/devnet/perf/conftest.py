"""Shared fixtures of the devnet performance tests. Each module names its own ``orgs`` (its own MSP IDs)."""

from __future__ import annotations

import pytest

from devnet.fixtures.pki import Org, msp_config
from network.devnet.msp import X509MSP, MSPManager
from network.devnet.msp.identity import MSPIdentity


@pytest.fixture(scope="module")
def manager(orgs: list[Org]) -> MSPManager:
    return MSPManager({o.mspid: X509MSP.from_config(msp_config(o)) for o in orgs})


@pytest.fixture()
def no_signature_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any signature verification during the test fails it: for code paths that must judge identities only."""

    def no_verify(*args: object) -> bool:
        raise AssertionError("this path must not verify signatures")

    monkeypatch.setattr(MSPIdentity, "verify", no_verify)
