"""Concurrent requests: one Idempotency-Key sent by many callers at once yields exactly one transaction."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient
from svc_support import World, auth

from gateway.auth.apikeys import new_api_key

BODY = {"class_id": "c1", "sender": "Org1MSP/a", "receiver": "Org1MSP/b", "amount": "1"}


def _unlimited_key(world: World) -> str:
    key, record = new_api_key("Org1", ["org1-alice"], ["read", "submit"], 1e9, 10**9)
    world.runtime.api_keys.add(record)
    return key


def test_same_idempotency_key_in_parallel_makes_one_transaction(client: TestClient, world: World) -> None:
    key = _unlimited_key(world)
    headers = auth(key, **{"Idempotency-Key": "burst-1"})
    with ThreadPoolExecutor(12) as pool:
        answers = list(
            pool.map(lambda _: client.post("/v1/orgs/Org1/transfers", json=BODY, headers=headers), range(24))
        )
    fake = world.fakes["Org1"]
    assert len(fake.submitted) == 1 and len(fake.proposals) == 1
    ok = [a for a in answers if a.status_code == 200]
    assert ok and {a.json()["txid"] for a in ok} == {ok[0].json()["txid"]}
    assert all(a.status_code in (200, 409) for a in answers)
    assert all(a.json()["type"].endswith("/operation-in-progress") for a in answers if a.status_code == 409)


def test_parallel_distinct_requests_all_commit_once(client: TestClient, world: World) -> None:
    key = _unlimited_key(world)
    with ThreadPoolExecutor(12) as pool:
        answers = list(
            pool.map(
                lambda i: client.post(
                    "/v1/orgs/Org1/transfers", json=BODY, headers=auth(key, **{"Idempotency-Key": f"k-{i}"})
                ),
                range(40),
            )
        )
    assert [a.status_code for a in answers] == [200] * 40
    txids = {a.json()["txid"] for a in answers}
    assert len(txids) == 40 and len(world.fakes["Org1"].submitted) == 40
    assert world.runtime.store.unfinished() == []
