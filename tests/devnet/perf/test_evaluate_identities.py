"""Policy checks on identities alone (what the gateway plans with): same verdicts as signature-set
evaluation with valid signatures, no signature looked at, duplicates and garbage ignored."""

from __future__ import annotations

import pytest

from devnet.fixtures.pki import Org
from devnet.perf.policies import majority
from network.devnet.msp import MSPManager
from network.devnet.policy import RejectPolicy, SignedData
from network.devnet.policy.signature import deduplicated_identities


@pytest.fixture(scope="module")
def orgs() -> list[Org]:
    return [Org.create(f"P{i}MSP") for i in range(3)]


@pytest.mark.parametrize("endorsers, expected", [((0,), False), ((0, 1), True), ((1, 2), True), ((2, 2), False)])
def test_identity_verdict_equals_signature_verdict(
    orgs: list[Org], manager: MSPManager, endorsers: tuple[int, ...], expected: bool
) -> None:
    policy = majority(orgs, manager)
    peers = [orgs[i].peer for i in endorsers]
    identities = deduplicated_identities([p.serialized for p in peers], manager)
    assert policy.evaluate_identities(identities) is expected
    assert policy.evaluate([SignedData(b"m", p.serialized, p.sign(b"m")) for p in peers]) is expected


def test_identities_skip_garbage_and_duplicates_and_never_verify(
    orgs: list[Org], manager: MSPManager, no_signature_checks: None
) -> None:
    serialized = [orgs[0].peer.serialized, b"\x00not an identity", orgs[0].peer.serialized, orgs[1].client.serialized]
    identities = deduplicated_identities(serialized, manager)
    assert [i.mspid for i in identities] == ["P0MSP", "P1MSP"]
    # a client is not a peer: MAJORITY of peer policies is not met by P0 peer + P1 client
    assert not majority(orgs, manager).evaluate_identities(identities)
    assert not RejectPolicy("x").evaluate_identities(identities)
    assert not majority(orgs, manager).evaluate_identities(identities[:1])
    both_peers = deduplicated_identities([orgs[0].peer.serialized, orgs[2].peer.serialized], manager)
    assert majority(orgs, manager).evaluate_identities(both_peers)
