"""The asyncio submit port (``gateway.service.aio_port``) behind the REST app, against the gateway client's
in-process Gateway double (which verifies every signature as a peer would); the blocking port is not used."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from fastapi.testclient import TestClient
from svc_gateway_double import FakeGateway, serving_gateway, submit_transfer
from svc_support import World, auth, build_world

from gateway.service.aio_port import AsyncClientPort
from gateway.service.app import create_app
from gateway.service.fabric_port import AsyncFabricPort
from gateway.store.model import OpState


class Unused:
    """Stands in for the blocking port: the submit path must not touch it."""

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"blocking port used for {name}")


@pytest.fixture
def aio(tmp_path: Path) -> Iterator[tuple[World, FakeGateway, TestClient]]:
    with serving_gateway("Org1MSP", "Org2MSP") as (gateway, port):
        world = build_world(tmp_path)
        opened: list[grpc.aio.Channel] = []

        def open_channel() -> grpc.aio.Channel:
            opened.append(grpc.aio.insecure_channel(f"127.0.0.1:{port}"))
            return opened[-1]

        ports: dict[str, AsyncFabricPort] = {"Org1": AsyncClientPort(open_channel)}
        world.runtime.aio_ports = ports
        world.runtime.ports = {**world.runtime.ports, "Org1": Unused()}  # type: ignore[dict-item]
        with TestClient(create_app(world.runtime, recover_on_start=False), raise_server_exceptions=False) as client:
            yield world, gateway, client
            assert len(opened) == 1  # one channel per org, opened lazily on the serving loop
        world.runtime.close()


def test_sync_submit_through_the_aio_port(aio: tuple[World, FakeGateway, TestClient]) -> None:
    world, gateway, client = aio
    body = submit_transfer(world, gateway, client)
    stored = world.runtime.store.get("Org1", body["operation_id"])
    assert stored is not None and stored.state == OpState.COMMITTED and stored.envelope


def test_async_submit_settles_in_the_background(aio: tuple[World, FakeGateway, TestClient]) -> None:
    world, gateway, client = aio
    key = world.keys["org1-full"]
    r = client.post("/v1/orgs/Org1/submit?mode=async", json={"function": "Transfer"}, headers=auth(key))
    assert r.status_code == 202 and r.json()["status"] == "SUBMITTED", r.text
    for _ in range(500):
        final = client.get(r.headers["Location"], headers=auth(key)).json()
        if final["status"] == "COMMITTED":
            break
    assert final["status"] == "COMMITTED" and final["txid"] in gateway.committed


def test_mvcc_retries_and_failures_through_the_aio_port(aio: tuple[World, FakeGateway, TestClient]) -> None:
    world, gateway, client = aio
    key = world.keys["org1-full"]
    r = client.post("/v1/orgs/Org1/submit", json={"function": "Invalid", "idempotent": True}, headers=auth(key))
    assert r.status_code == 409 and r.json()["validation_code"] == "MVCC_READ_CONFLICT"
    endorsements = [q for q in gateway.requests if q.__class__.__name__ == "EndorseRequest"]
    assert len(endorsements) == 1 + world.runtime.settings.mvcc_retries
    failed = client.post("/v1/orgs/Org1/submit", json={"function": "Fail"}, headers=auth(key))
    assert failed.status_code == 502 and failed.json()["grpc_code"] == "ABORTED"
