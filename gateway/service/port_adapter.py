"""A blocking :class:`FabricPort` seen as an :class:`AsyncFabricPort`.

Used where no asyncio-native port exists for the running event loop: crash recovery (its own thread and loop,
while the service's ``grpc.aio`` channels belong to the server's loop) and ports injected by tests. Each
call runs in a worker thread so a blocking gRPC call never stalls the loop it is awaited from - unless
``inline``: a loop that serves nothing else (recovery's ``asyncio.run`` in its own thread) may block.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from gateway.service.fabric_port import (
    CommitStatus,
    FabricPort,
    PreparedTransaction,
    SigningIdentity,
    TxRequest,
)

T = TypeVar("T")


class BlockingPortAdapter:
    def __init__(self, port: FabricPort, inline: bool = False) -> None:
        self.port = port
        self.inline = inline

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        if self.inline:
            return fn(*args)
        return await asyncio.to_thread(fn, *args)

    async def endorse(self, who: SigningIdentity, request: TxRequest) -> PreparedTransaction:
        return await self._call(self.port.endorse, who, request)

    async def submit(self, who: SigningIdentity, prepared: PreparedTransaction) -> None:
        await self._call(self.port.submit, who, prepared)

    async def commit_status(self, who: SigningIdentity, channel: str, txid: str, timeout: float) -> CommitStatus:
        return await self._call(self.port.commit_status, who, channel, txid, timeout)

    async def channel_orgs(self, who: SigningIdentity, channel: str) -> frozenset[str]:
        return await self._call(self.port.channel_orgs, who, channel)
