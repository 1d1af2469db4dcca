"""Fixtures: identities of three orgs with Fabric-CA role attributes, and a fresh in-memory ledger."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pytest

from chaincode.testing.certs import Identity, make_identity
from chaincode.testing.harness import Harness

logging.getLogger().setLevel(logging.WARNING)
logging.getLogger("asyncio").setLevel(logging.WARNING)


@dataclass(frozen=True)
class People:
    issuer1: Identity
    kyc1: Identity
    op1: Identity
    alice: Identity
    alice2: Identity
    issuer2: Identity
    kyc2: Identity
    auditor2: Identity
    bob: Identity
    auditor3: Identity
    carol: Identity


@pytest.fixture(scope="session")
def people() -> People:
    return People(
        issuer1=make_identity("Org1MSP", "issuer1", {"role": "issuer"}),
        kyc1=make_identity("Org1MSP", "kyc1", {"role": "kyc"}),
        op1=make_identity("Org1MSP", "op1", {"role": "operator"}),
        alice=make_identity("Org1MSP", "alice"),
        alice2=make_identity("Org1MSP", "alice2"),
        issuer2=make_identity("Org2MSP", "issuer2", {"role": "issuer"}),
        kyc2=make_identity("Org2MSP", "kyc2", {"role": "kyc"}),
        auditor2=make_identity("Org2MSP", "auditor2", {"role": "auditor"}),
        bob=make_identity("Org2MSP", "bob"),
        auditor3=make_identity("Org3MSP", "auditor3", {"role": "auditor"}),
        carol=make_identity("Org3MSP", "carol"),
    )


@pytest.fixture()
def h() -> Harness:
    return Harness()
