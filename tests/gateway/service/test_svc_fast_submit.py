"""The direct ``POST /v1/orgs/{org}/submit`` path (``gateway/service/fast_submit.py``) answers exactly as the
FastAPI route does: the same request sequence against an app with and one without it, compared answer by answer."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from svc_support import World, auth

from gateway.auth.apikeys import new_api_key
from gateway.service import fast_submit
from gateway.service.app import create_app
from gateway.service.fabric_port import FabricFailure, FailureKind

# the cases the direct path serves itself: everything the route's own checks accept
DIRECT = ("sync", "sync explicit", "async", "idempotent flag, endorsing orgs", "transient", "identity chosen",
          "idempotency key", "idempotency replay", "idempotency key reused", "chaincode refusal", "MVCC conflict")
VOLATILE = ("request_id", "operation_id", "txid", "block_number", "status_url")

# (name, query, headers by key name, body: dict -> JSON, bytes -> raw)
Case = tuple[str, str, dict[str, str], Any]


def _cases(world: World, tag: str) -> list[Case]:
    full, multi = world.keys["org1-full"], world.keys["org1-multi"]
    ok = {"function": "Mint", "args": ["a", "1"]}
    return [
        ("sync", "", auth(full), ok),
        ("sync explicit", "?mode=sync", auth(full), ok),
        ("async", "?mode=async", auth(full), ok),
        ("idempotent flag, endorsing orgs", "", auth(full), {**ok, "idempotent": True, "endorsing_orgs": ["Org1MSP"]}),
        ("transient", "", auth(full), {**ok, "transient": {"k": "aGk="}}),
        ("bad transient", "", auth(full), {**ok, "transient": {"k": "%%%"}}),
        ("bad function", "", auth(full), {"function": "9x"}),
        ("extra field", "", auth(full), {**ok, "surprise": 1}),
        ("args not strings", "", auth(full), {"function": "Mint", "args": [1]}),
        ("not JSON", "", auth(full), b"{nope"),
        ("JSON list", "", auth(full), b"[1]"),
        ("no credential", "", {}, ok),
        ("malformed key", "", {"X-API-Key": "gk_nodot"}, ok),
        ("unknown key", "", {"X-API-Key": full[:-3] + "xyz"}, ok),
        ("other org's key", "", auth(world.keys["org2-full"]), ok),
        ("no submit role", "", auth(world.keys["org1-reader"]), ok),
        ("bearer API key", "", {"Authorization": f"Bearer {full}"}, ok),
        ("bad mode", "?mode=later", auth(full), ok),
        ("unknown query", "?mode=sync&x=1", auth(full), ok),
        ("several identities, none chosen", "", auth(multi), ok),
        ("identity chosen", "", auth(multi, **{"X-Fabric-Identity": "org1-bob"}), ok),
        ("identity not on key", "", auth(full, **{"X-Fabric-Identity": "org1-bob"}), ok),
        ("bad idempotency key", "", auth(full, **{"Idempotency-Key": "has space"}), ok),
        ("idempotency key", "", auth(full, **{"Idempotency-Key": f"k-{tag}"}), ok),
        ("idempotency replay", "", auth(full, **{"Idempotency-Key": f"k-{tag}"}), ok),
        ("idempotency key reused", "", auth(full, **{"Idempotency-Key": f"k-{tag}"}), {**ok, "args": ["b"]}),
        ("chaincode refusal", "", auth(full), {"function": "Broken"}),
        ("MVCC conflict", "", auth(full), {"function": "Racy"}),
    ]


def _normalised(body: Any) -> Any:
    if isinstance(body, str):
        return re.sub(r"\b[0-9a-f]{64}\b", "<txid>", body)
    if isinstance(body, dict):
        return {k: _normalised(v) for k, v in body.items() if k not in VOLATILE}
    if isinstance(body, list):
        return [_normalised(v) for v in body]
    return body


def _answers(client: TestClient, world: World, tag: str, org: str = "Org1") -> list[tuple[str, int, Any, str | None]]:
    out = []
    for name, query, headers, body in _cases(world, tag):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        r = client.post(f"/v1/orgs/{org}/submit{query}", content=raw,
                        headers={"Content-Type": "application/json", **headers})
        out.append((name, r.status_code, _normalised(r.json()), r.headers.get("Idempotent-Replayed")))
    return out


@pytest.fixture
def served(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, TestClient, list[str]]]:
    fake = world.fakes["Org1"]
    fake.failures["Broken"] = FabricFailure(FailureKind.ENDORSE, "ABORTED", "failed to endorse",
                                            ('chaincode response 400, {"code":"BAD","message":"no"}',))
    fake.commit_codes["Racy"] = [11]
    planned: list[str] = []
    real_plan = fast_submit.plan_submit

    def recording_plan(*args: Any) -> fast_submit.SubmitPlan | None:
        plan = real_plan(*args)
        if plan is not None:
            planned.append(plan.body.function)
        return plan

    monkeypatch.setattr(fast_submit, "plan_submit", recording_plan)
    direct = create_app(world.runtime, recover_on_start=False)
    routed = create_app(world.runtime, recover_on_start=False, fast_submit=False)
    with TestClient(direct, raise_server_exceptions=False) as a, TestClient(routed, raise_server_exceptions=False) as b:
        yield a, b, planned


def test_direct_submit_answers_as_the_route_does(served: tuple[TestClient, TestClient, list[str]],
                                                 world: World) -> None:
    direct, routed, planned = served
    via_route = _answers(routed, world, "route")
    assert planned == []  # the app without the direct path never plans
    via_direct = _answers(direct, world, "direct")
    assert via_direct == via_route
    statuses = {name: status for name, status, _, _ in via_direct}
    assert statuses["sync"] == 200 and statuses["async"] == 202 and statuses["not JSON"] == 422
    assert statuses["no credential"] == 401 and statuses["no submit role"] == 403 and statuses["MVCC conflict"] == 409
    # the requests the route would accept were served directly (whatever Fabric then said); the rest went to the route
    assert len(planned) == len(DIRECT)


def test_unknown_org_and_the_rate_limit_go_to_the_route(served: tuple[TestClient, TestClient, list[str]],
                                                        world: World) -> None:
    direct, routed, planned = served
    unknown = [c.post("/v1/orgs/Org9/submit", json={"function": "Mint"}, headers=auth(world.keys["org1-full"]))
               for c in (direct, routed)]
    assert [r.status_code for r in unknown] == [403, 403]  # the key is bound to Org1: refused before the org lookup
    assert _normalised(unknown[0].json()) == _normalised(unknown[1].json())
    assert planned == []
    plaintext, record = new_api_key("Org1", ["org1-alice"], ["submit"], rate_per_second=0.001, burst=1)
    world.runtime.api_keys.add(record)
    first = direct.post("/v1/orgs/Org1/submit", json={"function": "Mint"}, headers=auth(plaintext))
    second = direct.post("/v1/orgs/Org1/submit", json={"function": "Mint"}, headers=auth(plaintext))
    assert (first.status_code, second.status_code) == (200, 429)
    assert second.headers["Retry-After"] and second.json()["type"].endswith("/rate-limited")
    assert planned.count("Mint") == 2  # the refused one passed every other check, then the route answered it
    metrics = direct.get("/metrics").text
    assert "gateway_rate_limited_total 1.0" in metrics
    assert 'gateway_responses_total{operation="submit",status="200"} 1.0' in metrics


def test_an_exception_inside_submit_gets_the_apps_problem_answer(served: tuple[TestClient, TestClient, list[str]],
                                                                  world: World,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    direct, routed, planned = served

    async def broken_claim(op: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(world.runtime.store, "claim_async", broken_claim)
    answers = [c.post("/v1/orgs/Org1/submit", json={"function": "Mint"}, headers=auth(world.keys["org1-full"]))
               for c in (direct, routed)]
    assert [r.status_code for r in answers] == [503, 503]
    assert answers[0].headers["Retry-After"] == answers[1].headers["Retry-After"] == "1"
    assert _normalised(answers[0].json()) == _normalised(answers[1].json())
    assert answers[0].json()["type"].endswith("/store-unavailable") and planned == ["Mint"]
