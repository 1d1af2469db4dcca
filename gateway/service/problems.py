"""RFC 9457 problem details: the only error format the service ever returns.

Every failure - validation, auth, Fabric, an unexpected bug - leaves as ``application/problem+json`` with
``type``, ``title``, ``status``, ``detail`` and ``instance`` (RFC 9457 §3.1) plus our extension members
(``request_id``, ``field``, ``code``, ``txid``, ``validation_code``). Stack traces are logged, never sent.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://consortium.example/problems/"

log = logging.getLogger("gateway.service")


class Problem(Exception):
    """An error the caller is meant to see. ``slug`` becomes the problem ``type`` URI."""

    def __init__(
        self,
        status: int,
        slug: str,
        title: str,
        detail: str = "",
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.headers = headers or {}
        self.extensions = {k: v for k, v in extensions.items() if v is not None}

    def body(self, instance: str = "", request_id: str = "") -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": TYPE_BASE + self.slug,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        if request_id:
            body["request_id"] = request_id
        body.update(self.extensions)
        return body

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> Problem:
        """Rebuild a stored problem (idempotent replays return exactly the first answer)."""
        core = {"type", "title", "status", "detail", "instance", "request_id"}
        slug = str(body.get("type", "")).removeprefix(TYPE_BASE)
        ext = {k: v for k, v in body.items() if k not in core}
        return cls(int(body["status"]), slug, str(body.get("title", "")), str(body.get("detail", "")), **ext)


class ProblemDetails(BaseModel):
    """RFC 9457 body as documented in OpenAPI; extension members vary by problem type."""

    model_config = ConfigDict(extra="allow")
    type: str
    title: str
    status: int
    detail: str = ""
    instance: str | None = None
    request_id: str | None = None
    field: str | None = None
    code: str | None = None


_DESCRIPTIONS = {
    400: "Bad request header (Idempotency-Key, Last-Event-ID)",
    401: "Missing or invalid credential",
    403: "Credential of another org, or lacking the role or identity",
    404: "Unknown org, resource or operation (chaincode NOT_FOUND)",
    409: "Conflict: chaincode state conflict, MVCC conflict, operation in progress",
    410: "Chaincode EXPIRED",
    422: "Request validation failed (field named), or Idempotency-Key reused",
    423: "Account frozen, class paused or locked up",
    429: "Rate limit exceeded (Retry-After)",
    500: "Internal error (logged; no details returned)",
    502: "Fabric refused: endorsement, ordering or validation failure",
    503: "Peer, orderer or operation store unavailable",
    504: "Fabric did not answer in time (the operation may still commit: poll its status)",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries: each status documented as application/problem+json."""
    schema = ProblemDetails.model_json_schema()
    return {
        status: {"description": _DESCRIPTIONS[status], "content": {PROBLEM_MEDIA_TYPE: {"schema": schema}}}
        for status in statuses
    }


def problem_response(request: Request, problem: Problem) -> JSONResponse:
    request_id = getattr(request.state, "request_id", "")
    return JSONResponse(
        problem.body(instance=request.url.path, request_id=request_id),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=problem.headers,
    )


def _field_of(location: tuple[Any, ...] | list[Any]) -> str:
    """``("body", "args", 0)`` -> ``"args[0]"``: the offending field, as the caller named it."""
    parts: list[str] = []
    for item in location[1:] if location and location[0] in ("body", "query", "path", "header") else location:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or str(location[0] if location else "")


def validation_problem(exc: RequestValidationError) -> Problem:
    errors = [{"field": _field_of(tuple(e.get("loc", ()))), "message": str(e.get("msg", ""))} for e in exc.errors()]
    first = errors[0] if errors else {"field": "", "message": "invalid request"}
    return Problem(
        422,
        "validation-error",
        "Request validation failed",
        f"{first['field']}: {first['message']}",
        field=first["field"],
        errors=errors,
    )


def invalid_request_problem(field: str, message: str) -> Problem:
    """A request the client library could not build (bad MSP ID, transient key...): the caller's input."""
    return Problem(422, "validation-error", "Request validation failed", f"{field}: {message}", field=field)


_HTTP_TITLES = {404: "Not found", 405: "Method not allowed", 401: "Unauthorized", 400: "Bad request"}


def install_problem_handlers(app: FastAPI) -> None:
    """Route every exception FastAPI/Starlette can raise through :func:`problem_response`."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(request, validation_problem(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = _HTTP_TITLES.get(exc.status_code, "HTTP error")
        detail = exc.detail if isinstance(exc.detail, str) else title
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Starlette names only the methods of the first route matching the path; one path may be served
            # by several routers (GET and POST /classes), so list every method documented for it.
            headers["Allow"] = ", ".join(allowed_methods(app, request.url.path)) or headers.get("Allow", "")
        return problem_response(request, Problem(exc.status_code, f"http-{exc.status_code}", title, detail, headers))

    @app.exception_handler(ValueError)
    async def _invalid_argument(request: Request, exc: ValueError) -> JSONResponse:
        # Safety net: ``gateway.client.errors.InvalidArgumentError`` (a ValueError naming ``field``) escaping
        # a route means an input check is missing upstream; it is still the caller's input, never a 500.
        field = getattr(exc, "field", None)
        if not isinstance(field, str):
            return await _unexpected(request, exc)
        log.warning("input refused by the client library", extra={"path": request.url.path, "field": field})
        return problem_response(request, invalid_request_problem(field, str(exc)))

    for store_error in _store_errors():

        @app.exception_handler(store_error)
        async def _store(request: Request, exc: Exception) -> JSONResponse:
            log.error("operation store error", exc_info=exc, extra={"path": request.url.path})
            return problem_response(
                request,
                Problem(
                    503,
                    "store-unavailable",
                    "Operation store unavailable",
                    "retry later; nothing was sent unless the operation's status says so",
                    headers={"Retry-After": "1"},
                ),
            )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error", exc_info=exc, extra={"path": request.url.path})
        return problem_response(
            request, Problem(500, "internal-error", "Internal server error", "the error was logged")
        )


def _store_errors() -> list[type[Exception]]:
    """Database failures of either store: the request could not be recorded, so it was not (fully) done."""
    import sqlite3

    import psycopg

    from gateway.store.model import StoreError

    return [sqlite3.Error, psycopg.Error, StoreError]


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """Methods the OpenAPI document lists for the path template matching ``path``."""
    table: list[tuple[re.Pattern[str], list[str]]] | None = getattr(app.state, "allow_table", None)
    if table is None:
        table = [
            (
                re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"),
                sorted(m.upper() for m in ops),
            )
            for template, ops in app.openapi()["paths"].items()
        ]
        app.state.allow_table = table
    return sorted({m for pattern, methods in table if pattern.match(path) for m in methods})
