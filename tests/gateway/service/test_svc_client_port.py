"""The production FabricPort (G1's gateway client) behind the REST app, against the client's in-process
Gateway double, which verifies every signature as a peer would. Not an integration test: devnet comes later.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from fastapi.testclient import TestClient
from svc_gateway_double import FakeGateway, serving_gateway, submit_transfer
from svc_support import World, auth, build_world

from gateway.service.app import create_app
from gateway.service.client_port import ClientPort
from gateway.service.recovery import recover
from gateway.store.model import OpState


@pytest.fixture
def real(tmp_path: Path) -> Iterator[tuple[World, FakeGateway, TestClient]]:
    with serving_gateway("Org1MSP", "Org2MSP") as (gateway, port):
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        world = build_world(tmp_path)
        world.runtime.ports = {"Org1": ClientPort(channel), "Org2": ClientPort(channel)}
        with TestClient(create_app(world.runtime, recover_on_start=False), raise_server_exceptions=False) as client:
            yield world, gateway, client
        world.runtime.close()
        channel.close()


def test_submit_through_the_real_client(real: tuple[World, FakeGateway, TestClient]) -> None:
    world, gateway, client = real
    submit_transfer(world, gateway, client)


def test_mvcc_retries_through_the_real_client_are_bounded(real: tuple[World, FakeGateway, TestClient]) -> None:
    world, gateway, client = real
    r = client.post(
        "/v1/orgs/Org1/submit", json={"function": "Invalid", "idempotent": True}, headers=auth(world.keys["org1-full"])
    )
    # The double marks every "Invalid" transaction MVCC_READ_CONFLICT: fresh proposals, then a bounded give-up.
    assert r.status_code == 409 and r.json()["validation_code"] == "MVCC_READ_CONFLICT"
    endorsements = [q for q in gateway.requests if q.__class__.__name__ == "EndorseRequest"]
    assert len(endorsements) == 1 + world.runtime.settings.mvcc_retries
    assert len({e.transaction_id for e in endorsements}) == len(endorsements)


def test_endorsement_failure_maps_to_502_with_details(real: tuple[World, FakeGateway, TestClient]) -> None:
    world, _, client = real
    r = client.post("/v1/orgs/Org1/submit", json={"function": "Fail"}, headers=auth(world.keys["org1-full"]))
    assert r.status_code == 502 and r.json()["grpc_code"] == "ABORTED"
    r = client.post("/v1/orgs/Org1/evaluate", json={"function": "Fail"}, headers=auth(world.keys["org1-full"]))
    assert r.status_code == 502 and r.json()["grpc_code"] == "UNKNOWN"


def test_stored_envelope_is_accepted_when_resent(real: tuple[World, FakeGateway, TestClient]) -> None:
    world, gateway, client = real
    r = client.post("/v1/orgs/Org1/submit", json={"function": "Transfer"}, headers=auth(world.keys["org1-full"]))
    op = world.runtime.store.get("Org1", r.json()["operation_id"])
    assert op is not None
    world.runtime.store.save(op.evolve(state=OpState.SUBMITTED))  # as if the process died before the answer
    submits_before = sum(1 for q in gateway.requests if q.__class__.__name__ == "SubmitRequest")
    assert recover(world.runtime) == 1
    submits_after = sum(1 for q in gateway.requests if q.__class__.__name__ == "SubmitRequest")
    assert submits_after == submits_before + 1  # the double verified the stored signature again
    final = world.runtime.store.get("Org1", op.op_id)
    assert final is not None and final.state == OpState.COMMITTED and final.txid == op.txid


def test_events_through_the_real_client(real: tuple[World, FakeGateway, TestClient]) -> None:
    world, _, client = real
    key = world.keys["org1-full"]
    txids = [
        client.post("/v1/orgs/Org1/submit", json={"function": "T"}, headers=auth(key)).json()["txid"] for _ in range(2)
    ]
    r = client.get("/v1/orgs/Org1/events?start_block=0&limit=2", headers=auth(key))
    frames = [dict(line.split(": ", 1) for line in b.splitlines()) for b in r.text.strip().split("\n\n")]
    assert [json.loads(f["data"])["txid"] for f in frames] == txids
    resumed = client.get("/v1/orgs/Org1/events?limit=1", headers=auth(key, **{"Last-Event-ID": frames[0]["id"]}))
    assert json.loads(resumed.text.split("data: ", 1)[1])["txid"] == txids[1]


def test_closing_an_event_stream_releases_a_blocked_reader(real: tuple[World, FakeGateway, TestClient]) -> None:
    """What the SSE endpoint relies on when a client disconnects: close() from the event loop thread cancels
    the Fabric stream, and the worker thread blocked waiting for the next event returns."""
    import threading

    world, gateway, _ = real
    gateway.hold_streams_open = True
    who = world.runtime.signing_identity(world.runtime.api_keys.authenticate(world.keys["org1-full"]), "Org1", None)
    stream = world.runtime.port("Org1").chaincode_events(who, "mychannel", "assets", None)
    received: list[object] = []
    reader = threading.Thread(target=lambda: received.extend(stream))
    reader.start()
    reader.join(0.3)
    assert reader.is_alive()  # blocked: no event yet, stream held open
    stream.close()  # type: ignore[attr-defined]
    reader.join(10)
    assert not reader.is_alive() and received == []
