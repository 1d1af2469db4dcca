"""Skeleton behaviour: problem+json everywhere, request ids, health, readiness, metrics, OpenAPI."""

from __future__ import annotations

from fastapi.testclient import TestClient
from svc_support import World, auth

from gateway.service.resource_table import RESOURCE_OPS

PROBLEM = "application/problem+json"


def test_healthz_and_readyz(client: TestClient, world: World) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready", "orgs": ["Org1", "Org2"]}
    world.fakes["Org2"].is_ready = False
    r = client.get("/readyz")
    assert r.status_code == 503
    assert r.headers["content-type"] == PROBLEM
    assert "Org2" in r.json()["detail"]


def test_unknown_route_and_method_are_problems(client: TestClient) -> None:
    r = client.get("/nope")
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM
    assert r.json()["status"] == 404 and r.json()["instance"] == "/nope"
    r = client.delete("/healthz")
    assert r.status_code == 405 and r.headers["content-type"] == PROBLEM


def test_validation_error_names_the_field(client: TestClient, world: World) -> None:
    r = client.post(
        "/v1/orgs/Org1/submit", json={"function": "Mint", "args": ["a", 3]}, headers=auth(world.keys["org1-full"])
    )
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    assert r.json()["field"] == "args[1]"
    r = client.post(
        "/v1/orgs/Org1/transfers",
        json={"class_id": "c1", "sender": "Org1MSP/a", "receiver": "Org1MSP/b", "amount": "01"},
        headers=auth(world.keys["org1-full"]),
    )
    assert r.status_code == 422 and r.json()["field"] == "amount"
    r = client.post(
        "/v1/orgs/Org1/transfers",
        json={"class_id": "c1", "sender": "Org1MSP/a", "receiver": "Org1MSP/b", "amount": "1", "surprise": 1},
        headers=auth(world.keys["org1-full"]),
    )
    assert r.status_code == 422 and r.json()["field"] == "surprise"
    assert world.total_signatures() == 0


def test_unexpected_error_is_500_problem_without_stack_trace(client: TestClient, world: World) -> None:
    def explode(*_: object) -> bytes:
        raise RuntimeError("secret internal detail")

    world.fakes["Org1"].evaluate = explode  # type: ignore[method-assign]
    r = client.post(
        "/v1/orgs/Org1/evaluate", json={"function": "GetClass", "args": ["c"]}, headers=auth(world.keys["org1-full"])
    )
    assert r.status_code == 500 and r.headers["content-type"] == PROBLEM
    assert "secret" not in r.text and "Traceback" not in r.text


def test_request_id_is_echoed_or_generated(client: TestClient) -> None:
    r = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert r.headers["X-Request-ID"] == "abc-123"
    r = client.get("/healthz", headers={"X-Request-ID": "bad id\twith junk"})
    assert r.headers["X-Request-ID"] != "bad id\twith junk" and len(r.headers["X-Request-ID"]) == 32


def test_metrics_expose_latency_and_outcomes(client: TestClient, world: World) -> None:
    client.post("/v1/orgs/Org1/submit", json={"function": "Mint"}, headers=auth(world.keys["org1-full"]))
    text = client.get("/metrics").text
    assert 'gateway_request_seconds_bucket{le="0.005",method="POST",operation="submit"}' in text
    assert 'gateway_transactions_total{validation_code="VALID"} 1.0' in text


def test_openapi_lists_every_resource_operation(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    operation_ids = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert {op.function for op in RESOURCE_OPS} <= operation_ids
    tags = {t for path in spec["paths"].values() for op in path.values() for t in op.get("tags", [])}
    assert {"classes", "assets", "accounts", "transfers", "swaps", "distributions", "receivables", "kyc"} <= tags
    assert client.get("/docs").status_code == 200


def test_access_log_carries_request_id_and_txid(client: TestClient, world: World, caplog) -> None:  # type: ignore[no-untyped-def]
    import json
    import logging

    from gateway.service.logs import JsonFormatter

    caplog.set_level(logging.INFO, logger="gateway")
    r = client.post(
        "/v1/orgs/Org1/submit",
        json={"function": "Mint"},
        headers=auth(world.keys["org1-full"], **{"X-Request-ID": "req-7"}),
    )
    access = [rec for rec in caplog.records if rec.name == "gateway.service.access"]
    assert access, "no access log line"
    line = json.loads(JsonFormatter().format(access[-1]))
    assert line["request_id"] == "req-7" and line["txids"] == r.json()["txid"] and line["status"] == 200


def test_store_outage_is_503_and_nothing_is_sent(client: TestClient, world: World) -> None:
    world.runtime.store.close()  # every store call now raises sqlite3.ProgrammingError
    r = client.post("/v1/orgs/Org1/submit", json={"function": "Mint"}, headers=auth(world.keys["org1-full"]))
    assert r.status_code == 503 and r.headers["content-type"] == PROBLEM
    assert r.json()["type"].endswith("/store-unavailable") and r.headers["Retry-After"] == "1"
    assert world.fakes["Org1"].submitted == []


def test_405_lists_every_method_of_the_path(client: TestClient) -> None:
    r = client.request("OPTIONS", "/v1/orgs/Org1/classes")
    assert r.status_code == 405 and r.headers["Allow"] == "GET, POST"
    r = client.request("PATCH", "/v1/orgs/Org1/kyc/Org1MSP/alice")
    assert r.status_code == 405 and r.headers["Allow"] == "DELETE, GET, PUT"
