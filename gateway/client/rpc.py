"""The one place a unary Gateway RPC is made, and the only place the sync and async flavours differ.

Every operation that talks to the gateway is written once, as a *flow*: a generator that builds and signs
its requests, yields each RPC as an ``Exchange`` and reads the response it is sent back (the sans-IO style).
A flow never touches gRPC, so building, signing and parsing are shared by both flavours; ``blocking`` turns a
flow into a method that makes each call on a ``grpc.Channel``, ``awaited`` into a coroutine method that
awaits each call on a ``grpc.aio.Channel``. A failed call becomes the RPC's own ``GatewayError`` subclass
carrying the transaction id and the gateway's per-node ``ErrorDetail`` s.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine, Generator
from typing import Any, NamedTuple, ParamSpec, TypeVar

import grpc

from gateway.client.errors import GatewayError

P = ParamSpec("P")
R = TypeVar("R")


class Exchange(NamedTuple):
    """One unary RPC as data: the stub method, what to send, its deadline and the error a failure becomes."""

    method: Callable[..., Any]
    request: object
    timeout: float | None
    error: type[GatewayError]
    transaction_id: str

    def failed(self, failure: grpc.RpcError) -> GatewayError:
        """What a failed call raises: the RPC's own error with the gateway's per-node details."""
        return self.error.from_rpc_error(failure, self.transaction_id)


#: Yields the RPCs to make, is sent each response, returns the operation's result.
Flow = Generator[Exchange, Any, R]


def blocking(flow: Callable[P, Flow[R]]) -> Callable[P, R]:
    """The flow as a method of the sync flavour: each RPC blocks until its response arrives."""

    @functools.wraps(flow)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        steps = flow(*args, **kwargs)
        try:
            exchange = next(steps)
            while True:
                exchange = steps.send(exchange.method(exchange.request, timeout=exchange.timeout))
        except grpc.RpcError as failure:  # only the call can fail so: flows build messages, they make no calls
            raise exchange.failed(failure) from failure
        except StopIteration as finished:
            return finished.value  # type: ignore[no-any-return]

    return run


def awaited(flow: Callable[P, Flow[R]]) -> Callable[P, Coroutine[Any, Any, R]]:
    """The flow as a coroutine method of the asyncio flavour: each RPC is awaited on the running loop."""

    @functools.wraps(flow)
    async def run(*args: P.args, **kwargs: P.kwargs) -> R:
        steps = flow(*args, **kwargs)
        try:
            exchange = next(steps)
            while True:
                exchange = steps.send(await exchange.method(exchange.request, timeout=exchange.timeout))
        except grpc.RpcError as failure:  # as in ``blocking``
            raise exchange.failed(failure) from failure
        except StopIteration as finished:
            return finished.value  # type: ignore[no-any-return]

    return run
