"""Gateway planning checks endorsers' identities against the policies and never re-verifies signatures
(Fabric's gateway plans by layouts; the committing peers verify)."""

from __future__ import annotations

import pytest
from fabric_protos.peer import proposal_response_pb2

from devnet.fixtures.pki import Member, Org
from devnet.perf.policies import majority
from network.devnet.gatewaysvc import plan
from network.devnet.msp import MSPManager
from network.devnet.policy import SignaturePolicy, from_string


@pytest.fixture(scope="module")
def orgs() -> list[Org]:
    return [Org.create(f"G{i}MSP") for i in range(3)]


def response(peer: Member) -> proposal_response_pb2.ProposalResponse:
    endorsement = proposal_response_pb2.Endorsement(endorser=peer.serialized, signature=b"not checked here")
    return proposal_response_pb2.ProposalResponse(payload=b"prp", endorsement=endorsement)


def test_plan_is_satisfied_by_identities_without_any_signature_check(
    orgs: list[Org], manager: MSPManager, no_signature_checks: None
) -> None:
    policies = [majority(orgs, manager)]
    assert not plan.satisfied(policies, [response(orgs[0].peer)], manager)
    assert not plan.satisfied(policies, [response(orgs[0].peer), response(orgs[0].peer)], manager)
    assert plan.satisfied(policies, [response(orgs[0].peer), response(orgs[2].peer)], manager)
    # every required policy must hold: add one only G1's peer satisfies
    policies.append(SignaturePolicy(from_string("OR('G1MSP.peer')"), manager))
    assert not plan.satisfied(policies, [response(orgs[0].peer), response(orgs[2].peer)], manager)
    assert plan.satisfied(policies, [response(orgs[0].peer), response(orgs[1].peer)], manager)


def test_responses_without_endorsement_count_for_nothing(orgs: list[Org], manager: MSPManager) -> None:
    bare = proposal_response_pb2.ProposalResponse(payload=b"prp")
    assert not plan.satisfied([majority(orgs, manager)], [bare, response(orgs[1].peer)], manager)


def test_orgs_to_ask_together_is_the_shortest_completing_prefix(orgs: list[Org], manager: MSPManager) -> None:
    policies = [majority(orgs, manager)]
    first = [response(orgs[0].peer)]
    known = {o.mspid: o.peer.serialized for o in orgs[1:]}
    assert plan.orgs_to_ask_together(policies, first, ["G1MSP", "G2MSP"], known, manager) == ["G1MSP"]
    every = [SignaturePolicy(from_string("AND('G0MSP.peer', 'G1MSP.peer', 'G2MSP.peer')"), manager)]
    assert plan.orgs_to_ask_together(every, first, ["G1MSP", "G2MSP"], known, manager) == ["G1MSP", "G2MSP"]


def test_orgs_to_ask_together_needs_known_identities_and_a_reachable_layout(
    orgs: list[Org], manager: MSPManager
) -> None:
    policies = [majority(orgs, manager)]
    first = [response(orgs[0].peer)]
    assert plan.orgs_to_ask_together(policies, first, ["G1MSP", "G2MSP"], {}, manager) == []
    clients = {o.mspid: o.client.serialized for o in orgs[1:]}  # clients never satisfy a peer policy
    assert plan.orgs_to_ask_together(policies, first, ["G1MSP", "G2MSP"], clients, manager) == []
