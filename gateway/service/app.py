"""The FastAPI application: routers, problem handlers, request context (ids, logs, metrics), recovery."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.service.fast_submit import FastSubmitMiddleware, submit_org
from gateway.service.problems import install_problem_handlers, problem_responses
from gateway.service.recovery import RecoverySweeper
from gateway.service.request_context import RequestContextMiddleware
from gateway.service.routers import events, generic, health, resources
from gateway.service.runtime import Runtime

log = logging.getLogger("gateway.service")


async def finish_background(runtime: Runtime) -> None:
    """Let async-mode settles finish (bounded by the commit timeout), then close the ``grpc.aio`` channels on
    the loop that owns them. A settle cut short leaves its operation PREPARED/SUBMITTED for recovery."""
    if runtime.tasks:
        await asyncio.wait(set(runtime.tasks), timeout=runtime.settings.commit_timeout)
    for port in runtime.aio_ports.values():
        close = getattr(port, "close", None)
        if close is not None:
            await close()
    # Final answers are queued, not awaited (``store.model.OperationStore.save_soon``): write them before the
    # process goes (uvicorn re-raises SIGTERM once shut down, so nothing after the server runs).
    try:
        await asyncio.to_thread(runtime.store.flush)
    except Exception:  # noqa: BLE001 - a store already gone must not stop the shutdown; recovery settles the rest
        log.exception("operation store could not be flushed at shutdown")


class GatewayApp(FastAPI):
    """FastAPI, with ``POST /v1/orgs/{org}/submit`` entering ``direct`` first when set (``fast_submit.py``).

    ``direct`` sits in front of FastAPI's own per-request layers (native telemetry probe, error, body-limit and
    exception middleware: ~40 us of CPU per request measured in process) and hands everything it does not serve
    to them unchanged. Skipped for valid submits: FastAPI's native telemetry span (none is configured here) -
    and nothing else: ``app``/``root_path`` are set as FastAPI sets them, there is no body limit
    (``max_body_size`` None; otherwise nothing is bypassed), problem answers come from the app's handlers."""

    direct: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.direct is not None and self.max_body_size is None and submit_org(scope) is not None:
            scope["app"] = self
            if self.root_path:
                scope["root_path"] = self.root_path
            await self.direct(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    async def routed(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The whole FastAPI stack (what ``direct`` hands a request on to)."""
        await super().__call__(scope, receive, send)


def create_app(runtime: Runtime, recover_on_start: bool = True, fast_submit: bool = True) -> GatewayApp:
    """``fast_submit``: valid ``POST /v1/orgs/{org}/submit`` requests skip FastAPI's dependency solving
    (``fast_submit.py``; same checks, same call, same answers); off only to compare the two in tests."""
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Sync submits wait for the commit in a worker thread; anyio's default of 40 threads would cap the
        # gateway at 40 transactions in flight (about 20 tx/s with a 2 s block time).
        anyio.to_thread.current_default_thread_limiter().total_tokens = runtime.settings.max_in_flight
        sweeper = RecoverySweeper(runtime) if recover_on_start else None
        if sweeper is not None:
            sweeper.start()
        try:
            yield
        finally:
            if sweeper is not None:
                sweeper.stop()
            await finish_background(runtime)

    app = GatewayApp(
        title="Consortium Fabric Gateway",
        version="1.0.0",
        description="REST front of an org's Fabric identities: evaluate, submit, receipts and events.",
        lifespan=lifespan,
        responses=problem_responses(422, 500),
    )
    app.state.runtime = runtime
    install_problem_handlers(app)
    app.include_router(health.router)
    app.include_router(generic.router)
    app.include_router(events.router)
    for router in resources.build_routers():
        app.include_router(router)

    app.add_middleware(RequestContextMiddleware, metrics=runtime.metrics)
    if fast_submit:
        # its own request context (ids, logs, metrics as for any route); the routed one then passes through
        app.direct = RequestContextMiddleware(FastSubmitMiddleware(app.routed, runtime, app), metrics=runtime.metrics)

    return app
