"""Running a node until SIGTERM/SIGINT, then stopping it cleanly."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any


async def run_until_signalled(start: Callable[[], Awaitable[None]], stop: Callable[[], Awaitable[None]]) -> None:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    await start()
    try:
        await stopping.wait()
    finally:
        await stop()


def run_node_process(kind: str, serve: Coroutine[Any, Any, None]) -> int:
    """A node process's exit code: 0 after ``serve`` returns; 2 when the node cannot start (unknown node or
    org name, missing crypto file, bad config value), after one ``<kind>: <reason>`` line on stderr that the
    supervisor shows to the operator."""
    try:
        asyncio.run(serve)
    except (KeyError, FileNotFoundError, ValueError) as exc:
        print(f"{kind}: {exc}", file=sys.stderr)
        return 2
    return 0
