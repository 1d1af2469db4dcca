"""RFC 9457 problem details: the only error format the service ever returns.

Every failure - validation, auth, Fabric, an unexpected bug - leaves as ``application/problem+json`` with
``type``, ``title``, ``status``, ``detail`` and ``instance`` (RFC 9457 §3.1) plus our extension members
(``request_id``, ``field``, ``code``, ``txid``, ``validation_code``). Stack traces are logged, never sent.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
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
        return problem_response(request, Problem(exc.status_code, f"http-{exc.status_code}", title, detail, headers))

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

    return [sqlite3.Error, psycopg.Error]
