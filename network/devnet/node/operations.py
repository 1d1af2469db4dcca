"""A node's operations endpoint: a tiny HTTP/1.1 server on 127.0.0.1 (``core/operations/system.go``).

``GET /healthz`` answers like Fabric's health handler (``fabric-lib-go/healthz``): 200
``{"status":"OK","time":...}`` or 503 ``{"status":"Service Unavailable","time":...,"failed_checks":[...]}``.
``GET /version`` mirrors Fabric's version endpoint. Nodes may register extra routes (the orderer's
participation API, the devnet status route ``/devnet/status``).
"""

from __future__ import annotations

import asyncio
import datetime
import json
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

VERSION = "3.1.5-devnet"
MAX_BODY = 128 * 1024 * 1024


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class HttpResponse:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, value: Any, headers: dict[str, str] | None = None) -> HttpResponse:
        return cls(status, json.dumps(value).encode() + b"\n", "application/json", headers or {})


Handler = Callable[[HttpRequest], Awaitable[HttpResponse]]
HealthCheck = Callable[[], str | None]  # returns a failure reason, or None when healthy

REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    302: "Found",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    409: "Conflict",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def mutual_tls_context(cert: Path, key: Path, client_roots: list[Path]) -> ssl.SSLContext:
    """Server TLS requiring a client certificate issued by one of ``client_roots``."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    for root in client_roots:
        context.load_verify_locations(cafile=str(root))
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class OperationsServer:
    """Route table + health checks; ``prefix`` routes match any path starting with them."""

    def __init__(self, operations_routes: bool = True) -> None:
        self.routes: dict[tuple[str, str], Handler] = {}
        self.prefix_routes: list[tuple[str, Handler]] = []
        self.checks: dict[str, HealthCheck] = {}
        self._server: asyncio.Server | None = None
        if operations_routes:
            self.add_route("GET", "/healthz", self._healthz)
            self.add_route("GET", "/version", self._version)

    def add_route(self, method: str, path: str, handler: Handler) -> None:
        self.routes[(method, path)] = handler

    def add_prefix_route(self, prefix: str, handler: Handler) -> None:
        self.prefix_routes.append((prefix, handler))

    async def _healthz(self, request: HttpRequest) -> HttpResponse:
        failed = [
            {"component": name, "reason": reason}
            for name, check in self.checks.items()
            if (reason := check()) is not None
        ]
        if failed:
            return HttpResponse.json(503, {"status": "Service Unavailable", "time": _now(), "failed_checks": failed})
        return HttpResponse.json(200, {"status": "OK", "time": _now()})

    async def _version(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse.json(200, {"CommitSHA": "devnet", "Version": VERSION})

    async def start(self, port: int, ssl_context: ssl.SSLContext | None = None) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", port, ssl=ssl_context)
        return self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _dispatch(self, request: HttpRequest) -> HttpResponse:
        handler = self.routes.get((request.method, request.path))
        if handler is None:
            for prefix, candidate in self.prefix_routes:
                if request.path.startswith(prefix):
                    handler = candidate
                    break
        if handler is None:
            if any(path == request.path for _, path in self.routes):
                return HttpResponse.json(405, {"error": f"method {request.method} not allowed"})
            return HttpResponse.json(404, {"error": f"no such path {request.path}"})
        return await handler(request)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await _read_request(reader)
            if request is None:
                return
            try:
                response = await self._dispatch(request)
            except Exception as exc:  # a handler bug must not kill the endpoint
                response = HttpResponse.json(500, {"error": str(exc)})
            writer.write(_encode(response))
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.close()


async def _read_request(reader: asyncio.StreamReader) -> HttpRequest | None:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3:
        return None
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    if length > MAX_BODY:
        raise ValueError("body too large")
    body = await reader.readexactly(length) if length else b""
    return HttpRequest(parts[0], parts[1].split("?", 1)[0], headers, body)


def _encode(response: HttpResponse) -> bytes:
    head = [
        f"HTTP/1.1 {response.status} {REASONS.get(response.status, 'Unknown')}",
        f"Content-Length: {len(response.body)}",
        "Connection: close",
    ]
    if response.body:
        head.append(f"Content-Type: {response.content_type}")
    head.extend(f"{k}: {v}" for k, v in response.headers.items())
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + response.body
