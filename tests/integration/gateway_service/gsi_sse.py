"""A small Server-Sent Events reader (WHATWG HTML §9.2 field parsing) for the gateway's /events stream."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class SseEvent:
    id: str
    event: str
    data: Any


def parse_sse(lines: Iterator[str]) -> Iterator[SseEvent]:
    """Dispatch an event at each blank line; ``data`` lines are joined with newlines and decoded as JSON."""
    fields: dict[str, list[str]] = {}
    for line in lines:
        if line == "":
            if "data" in fields:
                data = "\n".join(fields["data"])
                yield SseEvent(
                    (fields.get("id") or [""])[-1], (fields.get("event") or ["message"])[-1], json.loads(data)
                )
            fields = {}
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        fields.setdefault(name, []).append(value[1:] if value.startswith(" ") else value)


def read_events(
    client: httpx.Client,
    path: str,
    headers: dict[str, str],
    params: dict[str, Any],
    until: Callable[[list[SseEvent]], bool],
    timeout: float = 60,
) -> list[SseEvent]:
    """Read the stream until ``until(events so far)`` holds (then hang up, as a client would)."""
    events: list[SseEvent] = []
    with client.stream("GET", path, headers=headers, params=params, timeout=timeout) as answer:
        assert answer.status_code == 200, answer.read().decode()
        assert answer.headers["content-type"].startswith("text/event-stream")
        for event in parse_sse(answer.iter_lines()):
            events.append(event)
            if event.event == "error" or until(events):
                break
    return events
