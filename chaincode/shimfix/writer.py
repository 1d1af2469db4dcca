"""Serialise writes to the chaincode stream (defect 2).

``grpc.aio`` allows one outstanding write per stream (the shim's own server fails overlapping writes), and
grpclib, which our server runs on, could interleave two messages' frames while one waits for flow control;
the shim's per-message tasks write concurrently. Holding one ``asyncio.Lock`` around ``write`` makes the
writes sequential without changing their content.
"""

from __future__ import annotations

import asyncio
from typing import Any


class SerialisedWriter:
    """Wraps a stream context (``grpc.aio.ServicerContext`` or ours): ``write`` is serialised, the rest passes."""

    def __init__(self, context: Any) -> None:
        self._context = context
        self._lock = asyncio.Lock()
        self.writes = 0

    async def write(self, message: Any) -> None:
        async with self._lock:
            await self._context.write(message)
            self.writes += 1

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)
