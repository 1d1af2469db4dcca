"""The FastAPI application: routers, problem handlers, request ids, access logs and metrics."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI, Request, Response

from gateway.service.logs import request_id_var, request_txids_var
from gateway.service.problems import install_problem_handlers
from gateway.service.recovery import RecoverySweeper
from gateway.service.routers import events, generic, health, resources
from gateway.service.runtime import Runtime

log = logging.getLogger("gateway.service.access")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def create_app(runtime: Runtime, recover_on_start: bool = True) -> FastAPI:
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

    app = FastAPI(
        title="Consortium Fabric Gateway",
        version="1.0.0",
        description="REST front of an org's Fabric identities: evaluate, submit, receipts and events.",
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    install_problem_handlers(app)
    app.include_router(health.router)
    app.include_router(generic.router)
    app.include_router(events.router)
    for router in resources.build_routers():
        app.include_router(router)

    @app.middleware("http")
    async def request_context(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.state.request_id = request_id
        token = request_id_var.set(request_id)
        txids: list[str] = []
        tx_token = request_txids_var.set(txids)
        started = time.perf_counter()
        try:
            response = await call_next(request)
        finally:
            request_id_var.reset(token)
            request_txids_var.reset(tx_token)
        elapsed = time.perf_counter() - started
        route = request.scope.get("route")
        operation = getattr(route, "name", None) or "unmatched"
        runtime.metrics.request_seconds.labels(operation, request.method).observe(elapsed)
        runtime.metrics.responses.labels(operation, str(response.status_code)).inc()
        response.headers["X-Request-ID"] = request_id
        log.info(
            "request",
            extra={
                "request_id": request_id,
                "method": request.method,
                "path": request.url.path,
                "status": response.status_code,
                "duration_ms": round(elapsed * 1000, 2),
                "operation": operation,
                "txids": ",".join(txids),
            },
        )
        return response

    return app
