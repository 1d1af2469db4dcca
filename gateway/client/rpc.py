"""The one place a unary Gateway RPC is made: sync for ``grpc.Channel``, awaited for ``grpc.aio.Channel``.

Everything before the call (building and signing the request) and after it (reading the response) is shared
by both flavours; only these two functions differ. A failed call becomes the RPC's own ``GatewayError``
subclass carrying the transaction id and the gateway's per-node ``ErrorDetail`` s.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import grpc

from gateway.client.errors import GatewayError


def call(
    rpc: Callable[..., Any], request: object, timeout: float | None, error: type[GatewayError], transaction_id: str
) -> Any:
    try:
        return rpc(request, timeout=timeout)
    except grpc.RpcError as failure:
        raise error.from_rpc_error(failure, transaction_id) from failure


async def call_async(
    rpc: Callable[..., Awaitable[Any]],
    request: object,
    timeout: float | None,
    error: type[GatewayError],
    transaction_id: str,
) -> Any:
    try:
        return await rpc(request, timeout=timeout)
    except grpc.RpcError as failure:
        raise error.from_rpc_error(failure, transaction_id) from failure
