"""Chaincode events over SSE from devnet, and resume with Last-Event-ID: nothing lost, nothing twice."""

from __future__ import annotations

import httpx
import pytest
from gsi_assets import new_class
from gsi_ledger import height
from gsi_sse import SseEvent, read_events
from gsi_world import GatewayWorld

pytestmark = pytest.mark.integration


def ours(events: list[SseEvent], class_id: str) -> list[SseEvent]:
    return [e for e in events if e.event == "chaincode" and e.data["payload"]["data"].get("classId") == class_id]


def test_events_stream_and_resume_after_last_event_id(http: httpx.Client, gw_world: GatewayWorld) -> None:
    class_id = new_class(http, gw_world)
    start = height(gw_world.net.layout, gw_world.net.channel)
    issuer = gw_world.headers("Org1", "issuer1")
    txids = []
    for amount in ("1", "2", "3"):
        minted = http.post(
            f"/v1/orgs/Org1/classes/{class_id}/mint",
            json={"to": gw_world.account("Org1", "alice"), "amount": amount},
            headers=issuer,
        )
        assert minted.status_code == 200, minted.text
        txids.append(minted.json()["txid"])

    reader = gw_world.headers("Org2", "bob")  # events of the shared channel are readable by every member org
    path = "/v1/orgs/Org2/events"
    params = {"start_block": start, "name": "Minted"}
    first = ours(read_events(http, path, reader, params, lambda seen: len(ours(seen, class_id)) >= 3), class_id)
    assert [e.data["txid"] for e in first] == txids
    assert [e.data["payload"]["data"]["amount"] for e in first] == ["1", "2", "3"]
    assert all(e.data["name"] == "Minted" and e.data["chaincode"] == gw_world.chaincode for e in first)
    for event in first:
        block, txid, index = event.id.split(":")
        assert (int(block), txid, index) == (event.data["block_number"], event.data["txid"], "0")

    # a client that saw only the first event reconnects: it gets the 2nd and 3rd, never the 1st again
    resume = {"name": "Minted"}
    again = read_events(
        http, path, {**reader, "Last-Event-ID": first[0].id}, resume, lambda seen: len(ours(seen, class_id)) >= 2
    )
    assert [e.id for e in ours(again, class_id)] == [e.id for e in first[1:]]
    assert len({e.id for e in again}) == len(again)

    bad = http.get(path, headers={**reader, "Last-Event-ID": "not-an-id"})
    assert bad.status_code == 400 and bad.json()["field"] == "Last-Event-ID"


def test_events_limit_closes_the_stream(http: httpx.Client, gw_world: GatewayWorld) -> None:
    class_id = new_class(http, gw_world)
    start = height(gw_world.net.layout, gw_world.net.channel) - 1  # the block of the registration
    with http.stream(
        "GET",
        "/v1/orgs/Org1/events",
        params={"start_block": start, "name": "ClassRegistered", "limit": 1},
        headers=gw_world.headers("Org1", "alice"),
    ) as answer:
        text = answer.read().decode()  # returns only because the server closes the stream after one event
    assert text.count("event: chaincode") == 1
    assert class_id in text
