"""``endorsing_orgs``: malformed entries and orgs outside the channel are the caller's input (422), while an
unreachable member org stays the retryable 503 (issue 6)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from svc_support import World, auth

from gateway.client.errors import InvalidArgumentError
from gateway.service.client_port import invalid_request_of
from gateway.service.fabric_port import FabricFailure, FailureKind
from gateway.service.membership import non_member_orgs
from gateway.store.model import OpState

NO_PEERS = "no peers available to evaluate chaincode in organization {}"


def _submit(client: TestClient, world: World, orgs: list[str], **headers: str) -> dict[str, object]:
    answer = client.post(
        "/v1/orgs/Org1/submit",
        json={"function": "WhoAmI", "args": [], "endorsing_orgs": orgs},
        headers=auth(world.keys["org1-full"], **headers),
    )
    return {"status": answer.status_code, "body": answer.json()}


@pytest.mark.parametrize("orgs", [[""], ["Org2MSP", "\x98"], ["Org 2"], ["Org2MSP\n"]])
def test_malformed_endorsing_org_is_422_naming_the_entry(client: TestClient, world: World, orgs: list[str]) -> None:
    answer = _submit(client, world, orgs)
    body = answer["body"]
    assert answer["status"] == 422 and isinstance(body, dict), answer
    assert str(body["field"]).startswith("endorsing_orgs["), body
    assert world.total_signatures() == 0


def test_org_outside_the_channel_is_422_and_final(client: TestClient, world: World) -> None:
    world.fakes["Org1"].failures["WhoAmI"] = FabricFailure(
        FailureKind.ENDORSE, "UNAVAILABLE", NO_PEERS.format("NoSuchMSP")
    )
    answer = _submit(client, world, ["Org2MSP", "NoSuchMSP"], **{"Idempotency-Key": "k1"})
    body = answer["body"]
    assert answer["status"] == 422 and isinstance(body, dict), answer
    assert body["field"] == "endorsing_orgs[1]" and "NoSuchMSP" in str(body["detail"])
    stored = world.runtime.store.get("Org1", str(body["operation_id"]))
    assert stored is not None and stored.state == OpState.FAILED and stored.envelope is None
    assert world.fakes["Org1"].submitted == []
    # a final answer: the same key replays it instead of trying again
    again = _submit(client, world, ["Org2MSP", "NoSuchMSP"], **{"Idempotency-Key": "k1"})
    assert again == answer


def test_member_org_without_reachable_peers_stays_503(client: TestClient, world: World) -> None:
    world.fakes["Org1"].failures["WhoAmI"] = FabricFailure(
        FailureKind.ENDORSE, "UNAVAILABLE", NO_PEERS.format("Org3MSP")
    )
    answer = _submit(client, world, ["Org3MSP"])
    assert answer["status"] == 503, answer


def test_unknown_membership_keeps_503(client: TestClient, world: World) -> None:
    fake = world.fakes["Org1"]
    fake.failures["WhoAmI"] = FabricFailure(FailureKind.ENDORSE, "UNAVAILABLE", NO_PEERS.format("NoSuchMSP"))
    fake.members_failure = FabricFailure(FailureKind.EVALUATE, "UNAVAILABLE", "peer down")
    assert _submit(client, world, ["NoSuchMSP"])["status"] == 503


def test_non_member_orgs_lists_index_and_id() -> None:
    assert non_member_orgs(["A", "X", "B", "Y"], frozenset({"A", "B"})) == [(1, "X"), (3, "Y")]
    assert non_member_orgs([], frozenset()) == []


def test_client_library_field_names_become_rest_field_names() -> None:
    invalid = invalid_request_of(InvalidArgumentError("endorsing_organizations[2]", "must be a non-empty string"))
    assert invalid.field == "endorsing_orgs[2]" and invalid.message == "must be a non-empty string"
    assert invalid_request_of(InvalidArgumentError("transient", "bad")).field == "transient"
