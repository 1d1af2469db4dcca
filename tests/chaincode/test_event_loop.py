"""``CHAINCODE_EVENT_LOOP``: the chaincode server's event loop, uvloop by default, asyncio on request."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from chaincode.server import run_event_loop


def loop_probe() -> tuple[list[str], Callable[[], Coroutine[Any, Any, None]]]:
    """A coroutine function that records the module of the loop running it."""
    seen: list[str] = []

    async def probe() -> None:
        seen.append(type(asyncio.get_running_loop()).__module__)

    return seen, probe


@pytest.mark.parametrize(("name", "module"), [(None, "uvloop"), ("uvloop", "uvloop"), ("asyncio", "asyncio")])
def test_the_named_loop_runs_the_server(name: str | None, module: str) -> None:
    seen, probe = loop_probe()
    run_event_loop(probe(), name)
    assert seen[0].split(".")[0] == module


def test_an_unknown_loop_names_the_variable() -> None:
    _, probe = loop_probe()
    with pytest.raises(ValueError, match="CHAINCODE_EVENT_LOOP: expected one of uvloop, asyncio, got 'trio'"):
        run_event_loop(probe(), "trio")
