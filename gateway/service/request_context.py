"""Per-request context as plain ASGI middleware: request id, access log line, latency metrics.

Plain ASGI rather than Starlette's ``BaseHTTPMiddleware``: it adds no extra task or body buffering per
request (that middleware is a known cost on the hot path) and leaves streaming responses (SSE) untouched.
"""

from __future__ import annotations

import logging
import os
import re
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.service.logs import request_id_var, request_txids_var
from gateway.service.metrics import Metrics

log = logging.getLogger("gateway.service.access")
CONTEXT_KEY = "gateway.request_context"
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def request_id_of(scope: Scope) -> str:
    """The caller's X-Request-ID when it is a sane token, else a fresh one (never echo arbitrary bytes)."""
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            if REQUEST_ID.match(text):
                return text
    return os.urandom(16).hex()  # uuid4().hex's randomness without the UUID object


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or CONTEXT_KEY in scope:  # a request has one context (see app.GatewayApp)
            await self.app(scope, receive, send)
            return
        scope[CONTEXT_KEY] = True
        request_id = request_id_of(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        status = [500]

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        txids: list[str] = []
        id_token = request_id_var.set(request_id)
        tx_token = request_txids_var.set(txids)
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id_var.reset(id_token)
            request_txids_var.reset(tx_token)
            self._record(scope, request_id, status[0], time.perf_counter() - started, txids)

    def _record(self, scope: Scope, request_id: str, status: int, elapsed: float, txids: list[str]) -> None:
        route: Any = scope.get("route")
        operation = getattr(route, "name", None) or "unmatched"
        self.metrics.child(self.metrics.request_seconds, operation, scope["method"]).observe(elapsed)
        self.metrics.child(self.metrics.responses, operation, str(status)).inc()
        log.info(
            "request",
            extra={
                "request_id": request_id,
                "method": scope["method"],
                "path": scope["path"],
                "status": status,
                "duration_ms": round(elapsed * 1000, 2),
                "operation": operation,
                "txids": ",".join(txids),
            },
        )
