"""Submit modes, idempotent replays, MVCC retries and the mapping of Fabric failures to HTTP."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient
from svc_support import World, auth

from gateway.service.fabric_port import MVCC_READ_CONFLICT, VALID, FabricFailure, FailureKind
from gateway.store.model import Operation, OpState

MINT = {"class_id": "c1", "sender": "Org1MSP/a1", "receiver": "Org2MSP/b1", "amount": "5"}


def _wait_final(client: TestClient, key: str, url: str) -> dict[str, object]:
    for _ in range(500):
        body = client.get(url, headers=auth(key)).json()
        if body["status"] in ("COMMITTED", "FAILED"):
            return body
        time.sleep(0.01)
    raise AssertionError(f"operation never settled: {body}")


def test_sync_submit_returns_validation_code_and_result(client: TestClient, world: World) -> None:
    world.fakes["Org1"].results["Transfer"] = b'{"moved":"5"}'
    r = client.post("/v1/orgs/Org1/transfers", json=MINT, headers=auth(world.keys["org1-full"]))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "COMMITTED" and body["validation_code"] == "VALID"
    assert body["result"] == {"moved": "5"} and len(body["txid"]) == 64
    assert world.fakes["Org1"].proposals[-1].args == ("c1", "Org1MSP/a1", "Org2MSP/b1", "5")
    stored = world.runtime.store.get("Org1", body["operation_id"])
    assert stored is not None and stored.state == OpState.COMMITTED and stored.envelope in world.fakes["Org1"].submitted


def test_async_submit_202_then_poll(client: TestClient, world: World) -> None:
    key = world.keys["org1-full"]
    r = client.post("/v1/orgs/Org1/transfers?mode=async", json=MINT, headers=auth(key))
    assert r.status_code == 202
    assert r.headers["Location"] == f"/v1/orgs/Org1/operations/{r.json()['operation_id']}"
    final = _wait_final(client, key, r.headers["Location"])
    assert final["status"] == "COMMITTED" and final["validation_code"] == "VALID"
    assert final["txid"] == r.json()["txid"]
    by_tx = client.get(f"/v1/orgs/Org1/transactions/{final['txid']}", headers=auth(key)).json()
    assert by_tx["operation_id"] == final["operation_id"]


def test_idempotency_key_replays_first_result_without_signing(client: TestClient, world: World) -> None:
    key = world.keys["org1-full"]
    headers = auth(key, **{"Idempotency-Key": "order-42"})
    first = client.post("/v1/orgs/Org1/transfers", json=MINT, headers=headers)
    signatures = world.total_signatures()
    second = client.post("/v1/orgs/Org1/transfers", json=MINT, headers=headers)
    assert second.status_code == first.status_code == 200
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert world.total_signatures() == signatures
    assert len(world.fakes["Org1"].submitted) == 1
    # Same key, different request: refused, naming the header.
    r = client.post("/v1/orgs/Org1/transfers", json={**MINT, "amount": "6"}, headers=headers)
    assert r.status_code == 422 and r.json()["field"] == "Idempotency-Key"
    # Idempotency keys are scoped per credential: another key may reuse the string.
    other = client.post(
        "/v1/orgs/Org1/transfers",
        json=MINT,
        headers=auth(world.keys["org1-multi"], **{"Idempotency-Key": "order-42", "X-Fabric-Identity": "org1-alice"}),
    )
    assert other.status_code == 200 and other.json()["txid"] != first.json()["txid"]


def test_idempotent_failure_is_replayed_too(client: TestClient, world: World) -> None:
    world.fakes["Org1"].failures["Transfer"] = FabricFailure(
        FailureKind.ENDORSE,
        "ABORTED",
        "failed to collect enough transaction endorsements",
        ('chaincode response 500, {"code":"INSUFFICIENT_BALANCE","field":"amount","message":"only 3"}',),
    )
    headers = auth(world.keys["org1-full"], **{"Idempotency-Key": "k-1"})
    first = client.post("/v1/orgs/Org1/transfers", json=MINT, headers=headers)
    assert first.status_code == 409 and first.headers["content-type"] == "application/problem+json"
    assert first.json()["code"] == "INSUFFICIENT_BALANCE" and first.json()["field"] == "amount"
    del world.fakes["Org1"].failures["Transfer"]
    second = client.post("/v1/orgs/Org1/transfers", json=MINT, headers=headers)
    assert second.status_code == 409 and second.json() == first.json()
    assert world.fakes["Org1"].submitted == []


def test_mvcc_conflict_retried_for_idempotent_operation(client: TestClient, world: World) -> None:
    world.fakes["Org1"].commit_codes["PauseClass"] = [MVCC_READ_CONFLICT, VALID]
    r = client.post("/v1/orgs/Org1/classes/c1/pause", headers=auth(world.keys["org1-full"]))
    assert r.status_code == 200, r.text
    assert r.json()["attempts"] == 2 and r.json()["validation_code"] == "VALID"
    envelopes = world.fakes["Org1"].submitted
    assert len(envelopes) == 2 and envelopes[0] != envelopes[1]  # a fresh proposal, new txid
    assert "gateway_mvcc_retries_total 1.0" in client.get("/metrics").text


def test_mvcc_retries_are_bounded(client: TestClient, world: World) -> None:
    world.fakes["Org1"].commit_codes["PauseClass"] = [MVCC_READ_CONFLICT]
    r = client.post("/v1/orgs/Org1/classes/c1/pause", headers=auth(world.keys["org1-full"]))
    assert r.status_code == 409 and r.json()["validation_code"] == "MVCC_READ_CONFLICT"
    assert len(world.fakes["Org1"].submitted) == 1 + world.runtime.settings.mvcc_retries


def test_mvcc_conflict_reported_for_non_idempotent_operation(client: TestClient, world: World) -> None:
    world.fakes["Org1"].commit_codes["Transfer"] = [MVCC_READ_CONFLICT, VALID]
    r = client.post("/v1/orgs/Org1/transfers", json=MINT, headers=auth(world.keys["org1-full"]))
    assert r.status_code == 409
    assert r.json()["type"].endswith("/mvcc-conflict") and r.json()["txid"]
    assert len(world.fakes["Org1"].submitted) == 1


def test_fabric_failures_map_to_precise_statuses(client: TestClient, world: World) -> None:
    key = world.keys["org1-full"]
    fake = world.fakes["Org1"]
    cases = [
        (
            FabricFailure(
                FailureKind.EVALUATE,
                "UNKNOWN",
                'chaincode response 404, {"code":"NOT_FOUND","field":"classId","message":"no class c9"}',
            ),
            404,
            "NOT_FOUND",
        ),
        (FabricFailure(FailureKind.EVALUATE, "UNAVAILABLE", "no peers available"), 503, None),
        (FabricFailure(FailureKind.EVALUATE, "DEADLINE_EXCEEDED", "timeout"), 504, None),
        (FabricFailure(FailureKind.EVALUATE, "ABORTED", "failed to evaluate"), 502, None),
    ]
    for failure, status, code in cases:
        fake.failures["GetClass"] = failure
        r = client.get("/v1/orgs/Org1/classes/c9", headers=auth(key))
        assert r.status_code == status and r.headers["content-type"] == "application/problem+json"
        assert r.json().get("code") == code


def test_orderer_unreachable_keeps_envelope_for_recovery(client: TestClient, world: World) -> None:
    world.fakes["Org1"].submit_failure = FabricFailure(FailureKind.SUBMIT, "UNAVAILABLE", "no orderers")
    r = client.post("/v1/orgs/Org1/transfers", json=MINT, headers=auth(world.keys["org1-full"]))
    assert r.status_code == 503 and r.json()["operation_id"]
    op = world.runtime.store.get("Org1", r.json()["operation_id"])
    assert op is not None and op.state == OpState.PREPARED and op.envelope


def test_orderer_refusal_fails_the_operation(client: TestClient, world: World) -> None:
    world.fakes["Org1"].submit_failure = FabricFailure(FailureKind.SUBMIT, "ABORTED", "BAD_REQUEST")
    r = client.post("/v1/orgs/Org1/transfers", json=MINT, headers=auth(world.keys["org1-full"]))
    assert r.status_code == 502 and r.json()["type"].endswith("/ordering-failed")
    op = world.runtime.store.get("Org1", r.json()["operation_id"])
    assert op is not None and op.state == OpState.FAILED


def test_commit_timeout_leaves_operation_pending(client: TestClient, world: World) -> None:
    world.fakes["Org1"].commit_failure = FabricFailure(FailureKind.COMMIT_STATUS, "DEADLINE_EXCEEDED", "timeout")
    r = client.post("/v1/orgs/Org1/transfers", json=MINT, headers=auth(world.keys["org1-full"]))
    assert r.status_code == 504
    op = world.runtime.store.get("Org1", r.json()["operation_id"])
    assert op is not None and op.state == OpState.SUBMITTED


def test_generic_evaluate_and_submit(client: TestClient, world: World) -> None:
    key = world.keys["org1-full"]
    world.fakes["Org1"].results["GetBalance"] = b'{"balance":"7"}'
    r = client.post("/v1/orgs/Org1/evaluate", json={"function": "GetBalance", "args": ["c1", "a1"]}, headers=auth(key))
    assert r.json() == {"result": {"balance": "7"}}
    r = client.post(
        "/v1/orgs/Org1/submit",
        json={"function": "Compact", "args": ["c1", "a1"], "idempotent": True, "transient": {"k": "aGk="}},
        headers=auth(key),
    )
    assert r.status_code == 200 and world.fakes["Org1"].proposals[-1].transient == {"k": b"hi"}
    r = client.post("/v1/orgs/Org1/submit", json={"function": "X", "transient": {"k": "***"}}, headers=auth(key))
    assert r.status_code == 422 and r.json()["field"] == "transient"


def test_transient_failure_before_sending_can_be_retried_with_the_same_key(client: TestClient, world: World) -> None:
    fake = world.fakes["Org1"]
    fake.failures["Transfer"] = FabricFailure(FailureKind.ENDORSE, "UNAVAILABLE", "no peers")
    headers = auth(world.keys["org1-full"], **{"Idempotency-Key": "retry-me"})
    assert client.post("/v1/orgs/Org1/transfers", json=MINT, headers=headers).status_code == 503
    del fake.failures["Transfer"]
    second = client.post("/v1/orgs/Org1/transfers", json=MINT, headers=headers)
    assert second.status_code == 200 and "Idempotent-Replayed" not in second.headers
    third = client.post("/v1/orgs/Org1/transfers", json=MINT, headers=headers)
    assert third.status_code == 200 and third.json() == second.json() and len(fake.submitted) == 1


def test_malformed_idempotency_key_is_refused_naming_the_header(client: TestClient, world: World) -> None:
    r = client.post(
        "/v1/orgs/Org1/transfers", json=MINT, headers=auth(world.keys["org1-full"], **{"Idempotency-Key": "has space"})
    )
    assert r.status_code == 422 and r.json()["field"] == "Idempotency-Key"
    assert world.total_signatures() == 0


def test_contract_api_refusals_are_400(client: TestClient, world: World) -> None:
    key = world.keys["org1-full"]
    for detail in (
        "chaincode response 500, Function NoSuchFunction not found in contract AssetRegistry",
        "chaincode response 500, incorrect number of params. Expected 1, received 0",
    ):
        world.fakes["Org1"].failures["GetClass"] = FabricFailure(
            FailureKind.EVALUATE, "UNKNOWN", "failed to evaluate transaction, see attached details", (detail,)
        )
        r = client.get("/v1/orgs/Org1/classes/c1", headers=auth(key))
        assert r.status_code == 400 and r.json()["type"].endswith("/chaincode-bad-request")
        assert r.json()["detail"] == detail.removeprefix("chaincode response 500, ")
    # Any other non-JSON chaincode failure stays a 502: not blamed on the caller.
    world.fakes["Org1"].failures["GetClass"] = FabricFailure(
        FailureKind.EVALUATE, "UNKNOWN", "failed", ("chaincode response 500, segfault",)
    )
    assert client.get("/v1/orgs/Org1/classes/c1", headers=auth(key)).status_code == 502


def test_sync_submit_writes_only_what_crash_safety_needs(client: TestClient, world: World) -> None:
    """claim (NEW), PREPARED before the envelope is sent, then the final answer: no separate SUBMITTED write."""
    store, fake = world.runtime.store, world.fakes["Org1"]
    written: list[tuple[OpState, int]] = []
    real_save, real_soon = store.save_async, store.save_soon

    def recording(real):  # type: ignore[no-untyped-def]
        async def save(op: Operation) -> None:
            written.append((op.state, len(fake.submitted)))
            await real(op)

        return save

    store.save_async, store.save_soon = recording(real_save), recording(real_soon)  # type: ignore[method-assign]
    try:
        r = client.post("/v1/orgs/Org1/transfers", json=MINT, headers=auth(world.keys["org1-full"]))
    finally:
        store.save_async, store.save_soon = real_save, real_soon  # type: ignore[method-assign]
    assert r.status_code == 200, r.text
    # (state written, envelopes sent when it was written): PREPARED is stored while nothing is sent yet
    assert written == [(OpState.PREPARED, 0), (OpState.COMMITTED, 1)]
