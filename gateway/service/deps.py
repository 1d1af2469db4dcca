"""FastAPI dependencies: the runtime, the authenticated principal (with its rate limit) and the org check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, Path, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from gateway.auth.apikeys import PREFIX
from gateway.auth.principal import AuthError, Principal, check_org, check_role
from gateway.auth.ratelimit import retry_after_header
from gateway.service.problems import Problem, problem_responses
from gateway.service.runtime import Runtime

# Every dependency here is ``async def`` although none awaits: FastAPI runs a plain ``def`` dependency in a
# worker thread, which cost each request several thread hops (measured: ~15% of the REST process's CPU in
# Condition.wait/notify). Nothing here blocks (HMAC of an API key, a JWT check, a token bucket).


async def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime  # type: ignore[no-any-return]


def auth_problem(exc: AuthError) -> Problem:
    if exc.status == 401:
        return Problem(
            401,
            "unauthenticated",
            "Authentication required",
            exc.message,
            headers={"WWW-Authenticate": 'Bearer realm="gateway"'},
        )
    if exc.status == 404:
        return Problem(404, "not-found", "Not found", exc.message)
    return Problem(403, "forbidden", "Forbidden", exc.message)


# Declared as security schemes so OpenAPI (/docs, schemathesis) knows how to authenticate; both optional
# here because either one suffices and the error must be our 401 problem, not FastAPI's default.
API_KEY_HEADER = APIKeyHeader(name="X-API-Key", auto_error=False, description="API key gk_<id>.<secret>")
BEARER = HTTPBearer(auto_error=False, description="JWT (HS256/ES256) or an API key")


def _credential(bearer: HTTPAuthorizationCredentials | None, api_key: str | None) -> str:
    if api_key:
        return api_key
    if bearer is not None and bearer.credentials.strip():
        return bearer.credentials.strip()
    raise AuthError(401, "send an API key in X-API-Key or a token in 'Authorization: Bearer'")


async def authenticate(
    request: Request,
    runtime: Annotated[Runtime, Depends(get_runtime)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)] = None,
    x_api_key: Annotated[str | None, Security(API_KEY_HEADER)] = None,
) -> Principal:
    try:
        credential = _credential(bearer, x_api_key)
        if credential.startswith(PREFIX):
            principal = runtime.api_keys.authenticate(credential)
        elif runtime.jwt is not None:
            principal = runtime.jwt.authenticate(credential)
        else:
            raise AuthError(401, "bearer tokens are not enabled; use an API key")
    except AuthError as exc:
        raise auth_problem(exc) from None
    wait = runtime.limiter.take(principal.key_id, principal.rate_per_second, principal.burst)
    if wait > 0:
        runtime.metrics.rate_limited.inc()
        raise Problem(
            429,
            "rate-limited",
            "Too many requests",
            f"rate limit of {principal.rate_per_second}/s exceeded",
            headers={"Retry-After": retry_after_header(wait)},
        )
    request.state.principal = principal
    return principal


# Every org-scoped route can answer these (besides 422/500, documented app-wide).
ORG_ROUTE_PROBLEMS = problem_responses(400, 401, 403, 404, 409, 410, 423, 429, 502, 503, 504)

OrgPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", description="Org served by this gateway")]


def org_principal(role: str) -> Callable[..., Principal]:
    """Dependency factory: authenticated, bound to the org in the path, holding ``role``."""

    async def dependency(
        org: OrgPath,
        principal: Annotated[Principal, Depends(authenticate)],
        runtime: Annotated[Runtime, Depends(get_runtime)],
    ) -> Principal:
        try:
            check_org(principal, org)
            runtime.org(org)
            check_role(principal, role)
        except AuthError as exc:
            raise auth_problem(exc) from None
        return principal

    return dependency


IdentityHeader = Annotated[
    str | None,
    Header(alias="X-Fabric-Identity", description="Wallet identity to sign with (needed when the key has several)"),
]

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=r"^[A-Za-z0-9._:-]{1,128}$",
        description="Retries with the same key (per credential) return the first result",
    ),
]
