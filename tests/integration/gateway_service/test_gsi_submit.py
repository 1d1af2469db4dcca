"""Both submit modes and Idempotency-Key replays, checked against the committed ledger (qscc)."""

from __future__ import annotations

import httpx
import pytest
from gsi_assets import balance, mints_on_ledger, new_class
from gsi_gateway import poll_operation
from gsi_ledger import height
from gsi_world import GatewayWorld

pytestmark = pytest.mark.integration


def test_sync_mode_answers_200_with_the_commit(http: httpx.Client, gw_world: GatewayWorld) -> None:
    class_id = new_class(http, gw_world)
    since = height(gw_world.net.layout, gw_world.net.channel)
    answer = http.post(
        f"/v1/orgs/Org1/classes/{class_id}/mint?mode=sync",
        json={"to": gw_world.account("Org1", "alice"), "amount": "7"},
        headers=gw_world.headers("Org1", "issuer1"),
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "COMMITTED" and body["validation_code"] == "VALID"
    assert body["block_number"] >= since and body["result"] is not None
    assert mints_on_ledger(gw_world, class_id, since) == [body["txid"]]


def test_async_mode_answers_202_then_the_operation_settles(http: httpx.Client, gw_world: GatewayWorld) -> None:
    class_id = new_class(http, gw_world)
    since = height(gw_world.net.layout, gw_world.net.channel)
    headers = gw_world.headers("Org1", "issuer1")
    answer = http.post(
        f"/v1/orgs/Org1/classes/{class_id}/mint",
        params={"mode": "async"},
        json={"to": gw_world.account("Org1", "alice"), "amount": "11"},
        headers=headers,
    )
    assert answer.status_code == 202, answer.text
    location = answer.headers["Location"]
    assert location == f"/v1/orgs/Org1/operations/{answer.json()['operation_id']}"
    assert answer.json()["status"] in ("SUBMITTED", "COMMITTED")
    final = poll_operation(http, location, headers)
    assert final["status"] == "COMMITTED" and final["validation_code"] == "VALID"
    assert final["http_status"] == 200 and final["response"]["txid"] == final["txid"]
    assert mints_on_ledger(gw_world, class_id, since) == [final["txid"]]
    assert balance(http, gw_world, "Org1", "alice", class_id) == 11


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_idempotency_key_replays_the_first_answer_and_one_transaction(
    http: httpx.Client, gw_world: GatewayWorld, mode: str
) -> None:
    class_id = new_class(http, gw_world)
    since = height(gw_world.net.layout, gw_world.net.channel)
    headers = gw_world.headers("Org1", "issuer1", **{"Idempotency-Key": f"mint-{class_id}"})
    request = {"json": {"to": gw_world.account("Org1", "alice"), "amount": "5"}, "headers": headers}
    url = f"/v1/orgs/Org1/classes/{class_id}/mint?mode={mode}"

    first = http.post(url, **request)
    if mode == "async":
        assert first.status_code == 202, first.text
        poll_operation(http, first.headers["Location"], headers)
    else:
        assert first.status_code == 200, first.text
    replays = [http.post(url, **request) for _ in range(3)]
    for again in replays:
        assert again.headers.get("Idempotent-Replayed") == "true"
        if mode == "sync":
            assert (again.status_code, again.json()) == (first.status_code, first.json())
        else:
            assert again.json()["operation_id"] == first.json()["operation_id"]
    # after the async operation settled, a waiting (sync) retry of the same key gets the final answer
    settled = http.post(f"/v1/orgs/Org1/classes/{class_id}/mint?mode=sync", **request)
    assert settled.status_code == 200 and settled.json()["validation_code"] == "VALID", settled.text

    assert len(mints_on_ledger(gw_world, class_id, since)) == 1
    assert balance(http, gw_world, "Org1", "alice", class_id) == 5

    reused = http.post(url, json={"to": gw_world.account("Org1", "alice"), "amount": "6"}, headers=headers)
    assert reused.status_code == 422 and reused.json()["field"] == "Idempotency-Key"
    bad = http.post(url, json=request["json"], headers={**headers, "Idempotency-Key": "no spaces allowed"})
    # malformed key: refused as bad input (README: 422 naming the field), and nothing is submitted
    assert bad.status_code == 422 and "Idempotency-Key" in bad.json()["field"], bad.text
    assert len(mints_on_ledger(gw_world, class_id, since)) == 1


def test_generic_submit_both_modes(http: httpx.Client, gw_world: GatewayWorld) -> None:
    class_id = new_class(http, gw_world)
    headers = gw_world.headers("Org1", "issuer1")
    alice = gw_world.account("Org1", "alice")
    sync = http.post("/v1/orgs/Org1/submit", json={"function": "Mint", "args": [class_id, alice, "2", ""]},
                     headers=headers)  # fmt: skip
    assert sync.status_code == 200 and sync.json()["validation_code"] == "VALID", sync.text
    queued = http.post(
        "/v1/orgs/Org1/submit",
        params={"mode": "async"},
        json={"function": "Mint", "args": [class_id, alice, "3", ""]},
        headers=headers,
    )
    assert queued.status_code == 202, queued.text
    assert poll_operation(http, queued.headers["Location"], headers)["validation_code"] == "VALID"
    assert balance(http, gw_world, "Org1", "alice", class_id) == 5
