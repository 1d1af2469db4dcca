"""``POST /v1/orgs/{org}/submit`` without FastAPI's per-request dependency solving, for requests that are valid.

Profiling the REST process under load (``scripts/bench_gateway.py --profile``; in process with an instant
Fabric double) put about 40 % of the REST layer's own CPU in FastAPI's ``solve_dependencies`` for this one route:
eight parameters, three security/dependency layers, each re-resolved per request. The route is the gateway's
hot path, so this middleware serves it directly - but only when the request is one the FastAPI route would
accept, and with the very same calls:

- Every check is side-effect free until all have passed: org served here, ``mode`` query, content type, the
  API key (``ApiKeyRegistry.authenticate``), org binding and ``submit`` role, the ``Idempotency-Key`` pattern,
  the body (``SubmitBody``, validated as FastAPI does: ``json.loads`` then the model) and the signing identity.
  Anything else - a bearer token, an unknown query parameter, a duplicated header, any refusal - is handed
  to the FastAPI route unchanged (body replayed), so every error answer is the route's own.
- The rate limiter is the last gate: a refused ``take`` consumes nothing, so handing the request on after it
  costs the caller nothing the route would not have charged; a granted one is the route's single token.
- Then exactly the route's call: ``actions.submit`` with the same arguments, its answer sent as is; an
  exception is answered by the app's own exception handlers (problem+json), as inside the route.

The route stays registered (OpenAPI, fallback); ``app.GatewayApp`` puts this in front of FastAPI's own layers.
``tests/gateway/service/test_svc_fast_submit.py`` checks that both give the same answers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import FastAPI, Request
from pydantic import ValidationError
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.auth.apikeys import PREFIX
from gateway.auth.principal import AuthError, Principal, check_org, check_role
from gateway.service import actions
from gateway.service.models import SubmitBody
from gateway.service.routers import generic
from gateway.service.runtime import Runtime

SUBMIT_PATH = re.compile(r"^/v1/orgs/([A-Za-z0-9][A-Za-z0-9._-]{0,63})/submit$")
ROUTE_PATH = "/v1/orgs/{org}/submit"
MODES = {b"": "sync", b"mode=sync": "sync", b"mode=async": "async"}
WANTED_HEADERS = frozenset({b"x-api-key", b"authorization", b"content-type", b"x-fabric-identity", b"idempotency-key"})


@dataclass(frozen=True)
class SubmitPlan:
    org: str
    principal: Principal
    body: SubmitBody
    wait: bool
    identity: str | None
    idempotency_key: str | None


def submit_org(scope: Scope) -> str | None:
    """The org of a ``POST /v1/orgs/{org}/submit``, else None."""
    if scope["type"] != "http" or scope["method"] != "POST":
        return None
    match = SUBMIT_PATH.match(scope["path"])
    return match.group(1) if match else None


def single_headers(scope: Scope) -> dict[bytes, bytes] | None:
    """The headers the route reads, each at most once (None if one is repeated: the route decides then)."""
    found: dict[bytes, bytes] = {}
    for name, value in scope["headers"]:
        if name in WANTED_HEADERS:
            if name in found:
                return None
            found[name] = value
    return found


def parse_body(raw: bytes) -> SubmitBody | None:
    """The body as the route validates it (``json.loads``, then the model); None if the route would refuse it."""
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    try:
        return SubmitBody.model_validate(data)
    except ValidationError:
        return None


def plan_submit(rt: Runtime, scope: Scope, org: str, raw_body: bytes) -> SubmitPlan | None:
    """Every check of the route that has no side effect; None as soon as one would refuse (or is not ours)."""
    mode = MODES.get(scope.get("query_string", b""))
    headers = single_headers(scope)
    if mode is None or headers is None or org not in rt.settings.orgs or b"authorization" in headers:
        return None
    if headers.get(b"content-type") != b"application/json":
        return None
    key = headers.get(b"x-api-key", b"").decode("latin-1")
    idem = headers.get(b"idempotency-key")
    idempotency_key = None if idem is None else idem.decode("latin-1")
    if not key.startswith(PREFIX) or (idempotency_key is not None
                                      and not actions.IDEMPOTENCY_KEY_PATTERN.match(idempotency_key)):
        return None
    body = parse_body(raw_body)
    if body is None:
        return None
    raw_identity = headers.get(b"x-fabric-identity")
    identity = None if raw_identity is None else raw_identity.decode("latin-1")
    try:
        principal = rt.api_keys.authenticate(key)
        check_org(principal, org)
        check_role(principal, "submit")
        rt.signing_identity(principal, org, identity)
    except AuthError:
        return None
    return SubmitPlan(org, principal, body, mode == "sync", identity, idempotency_key)


async def read_body(receive: Receive) -> tuple[bytes | None, list[Message]]:
    """The whole request body (None if something else, e.g. a disconnect, came first) and the messages read."""
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return None, messages
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), messages


def replaying(messages: list[Message], receive: Receive) -> Receive:
    """A ``receive`` that first gives back ``messages`` (already read), then the connection's own."""
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


def _lookup_handler(app: FastAPI, exc: Exception) -> Callable[[Request, Exception], Awaitable[Response]] | None:
    for cls in type(exc).__mro__:
        handler = app.exception_handlers.get(cls)
        if handler is not None:
            return handler  # type: ignore[no-any-return]
    return None


class FastSubmitMiddleware:
    def __init__(self, app: ASGIApp, runtime: Runtime, fastapi_app: FastAPI) -> None:
        self.app = app
        self.runtime = runtime
        self.fastapi_app = fastapi_app
        self._route: BaseRoute | None = None

    def route(self) -> BaseRoute | None:
        """The FastAPI route this stands in for (request metrics and logs are labelled with its name)."""
        if self._route is None:
            for route in generic.router.routes:
                if getattr(route, "path", None) == ROUTE_PATH and "POST" in getattr(route, "methods", ()):
                    self._route = route
                    break
        return self._route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        org = submit_org(scope)
        if org is None:
            await self.app(scope, receive, send)
            return
        raw, messages = await read_body(receive)
        plan = None if raw is None else plan_submit(self.runtime, scope, org, raw)
        if plan is None or self._rate_limited(plan.principal):
            return await self._fallback(scope, receive, send, messages)
        scope["route"] = self.route()
        scope.setdefault("state", {})["principal"] = plan.principal
        request = Request(scope, receive)
        response: Response
        try:
            response = await actions.submit(
                self.runtime, request, plan.principal, plan.org, plan.identity, plan.body.function, plan.body.args,
                idempotent=plan.body.idempotent, wait=plan.wait, idempotency_key=plan.idempotency_key,
                transient=plan.body.transient_bytes(), endorsing_orgs=tuple(plan.body.endorsing_orgs),
            )
        except Exception as exc:
            handler = _lookup_handler(self.fastapi_app, exc)
            if handler is None:
                raise
            response = await handler(request, exc)
        await response(scope, receive, send)

    def _rate_limited(self, principal: Principal) -> bool:
        return self.runtime.limiter.take(principal.key_id, principal.rate_per_second, principal.burst) > 0

    async def _fallback(self, scope: Scope, receive: Receive, send: Send, messages: list[Message]) -> None:
        await self.app(scope, replaying(messages, receive), send)
