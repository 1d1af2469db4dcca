"""Server-Sent Events: filter by name, resume after Last-Event-ID with nothing lost or repeated."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from svc_support import World, auth

from gateway.service.fabric_port import ChaincodeEvent
from gateway.service.routers.events import after_resume_point, number_events

TX = ["1" * 64, "2" * 64, "3" * 64]


def _events() -> list[ChaincodeEvent]:
    return [
        ChaincodeEvent(5, TX[0], "assets", "Transferred", b'{"n":1}'),
        ChaincodeEvent(5, TX[0], "assets", "Minted", b'{"n":2}'),
        ChaincodeEvent(5, TX[1], "assets", "Transferred", b'{"n":3}'),
        ChaincodeEvent(7, TX[2], "assets", "Transferred", b"not json"),
    ]


def _frames(text: str) -> list[dict[str, str]]:
    frames = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        frames.append(fields)
    return frames


def test_stream_all_events_with_ids(client: TestClient, world: World) -> None:
    world.fakes["Org1"].events = _events()
    r = client.get("/v1/orgs/Org1/events", headers=auth(world.keys["org1-full"]))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    frames = _frames(r.text)
    assert [f["id"] for f in frames] == [f"5:{TX[0]}:0", f"5:{TX[0]}:1", f"5:{TX[1]}:0", f"7:{TX[2]}:0"]
    assert json.loads(frames[0]["data"])["payload"] == {"n": 1}
    assert json.loads(frames[3]["data"])["payload"] == "not json"


def test_filter_by_name(client: TestClient, world: World) -> None:
    world.fakes["Org1"].events = _events()
    r = client.get("/v1/orgs/Org1/events?name=Minted", headers=auth(world.keys["org1-full"]))
    assert [json.loads(f["data"])["name"] for f in _frames(r.text)] == ["Minted"]


def test_resume_after_last_event_id(client: TestClient, world: World) -> None:
    world.fakes["Org1"].events = _events()
    key = world.keys["org1-full"]
    first = _frames(client.get("/v1/orgs/Org1/events?limit=2", headers=auth(key)).text)
    assert len(first) == 2
    rest = _frames(client.get("/v1/orgs/Org1/events", headers=auth(key, **{"Last-Event-ID": first[-1]["id"]})).text)
    assert [f["id"] for f in first + rest] == [f"5:{TX[0]}:0", f"5:{TX[0]}:1", f"5:{TX[1]}:0", f"7:{TX[2]}:0"]


def test_bad_last_event_id_is_a_problem(client: TestClient, world: World) -> None:
    r = client.get("/v1/orgs/Org1/events", headers=auth(world.keys["org1-full"], **{"Last-Event-ID": "junk"}))
    assert r.status_code == 400 and r.json()["field"] == "Last-Event-ID"


def test_events_need_the_events_role(client: TestClient, world: World) -> None:
    r = client.get("/v1/orgs/Org1/events", headers=auth(world.keys["org1-reader"]))
    assert r.status_code == 403
    assert world.total_signatures() == 0


def test_resume_point_in_a_later_block_skips_earlier_blocks() -> None:
    numbered = number_events(iter(_events()))
    kept = [eid for eid, _ in after_resume_point(numbered, (5, TX[1], 0))]
    assert kept == [f"7:{TX[2]}:0"]


class _BlockingSource:
    """A Fabric event stream with no events until released; records whether it was closed."""

    def __init__(self) -> None:
        import threading

        self.release = threading.Event()
        self.closed = threading.Event()

    def __iter__(self) -> _BlockingSource:
        return self

    def __next__(self) -> ChaincodeEvent:
        self.release.wait(30)
        if self.closed.is_set() or not self.release.is_set():
            raise StopIteration
        self.release.clear()
        return ChaincodeEvent(9, TX[0], "assets", "Late", b"{}")

    def close(self) -> None:
        self.closed.set()
        self.release.set()


def test_idle_stream_sends_keep_alive_then_the_event(client: TestClient, world: World) -> None:
    import dataclasses

    world.runtime.settings = dataclasses.replace(world.runtime.settings, sse_heartbeat=0.02)
    source = _BlockingSource()
    world.fakes["Org1"].chaincode_events = lambda *_: source  # type: ignore[method-assign, assignment]
    seen: list[str] = []
    with client.stream("GET", "/v1/orgs/Org1/events?limit=1", headers=auth(world.keys["org1-full"])) as r:
        for line in r.iter_lines():
            seen.append(line)
            if line == ": keep-alive" and not source.release.is_set():
                source.release.set()
    assert ": keep-alive" in seen
    assert f"id: 9:{TX[0]}:0" in seen
    assert source.closed.is_set()  # the Fabric stream is cancelled when the SSE stream ends
