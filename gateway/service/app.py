"""The FastAPI application: routers, problem handlers, request context (ids, logs, metrics), recovery."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from gateway.service.fast_submit import install as install_fast_submit
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


def create_app(runtime: Runtime, recover_on_start: bool = True, fast_submit: bool = True) -> FastAPI:
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

    app = FastAPI(
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

    if fast_submit:
        install_fast_submit(app, runtime)  # inside the request context: ids, logs and metrics as for any route
    app.add_middleware(RequestContextMiddleware, metrics=runtime.metrics)

    return app
