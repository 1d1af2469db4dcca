"""The two things every endpoint ends in: evaluate, or submit through the crash-safe engine."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from gateway.auth.principal import AuthError, Principal, check_role
from gateway.service.deps import auth_problem
from gateway.service.errormap import problem_for_failure
from gateway.service.fabric_port import FabricFailure, InvalidRequest, SigningIdentity, TxRequest
from gateway.service.problems import PROBLEM_MEDIA_TYPE, Problem, invalid_request_problem
from gateway.service.runtime import Runtime
from gateway.service.submission import Outcome, SubmitCommand, decode_result, start_submit
from gateway.store.model import request_hash

IDEMPOTENCY_KEY_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


# Starlette's JSONResponse settings, with the encoder made once (``json.dumps`` with options builds one per call).
_RESPONSE_JSON = json.JSONEncoder(ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")).encode


class OutcomeResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return _RESPONSE_JSON(content).encode("utf-8")


def outcome_response(outcome: Outcome) -> JSONResponse:
    media = PROBLEM_MEDIA_TYPE if outcome.is_problem else "application/json"
    return OutcomeResponse(outcome.body, status_code=outcome.status, headers=outcome.headers, media_type=media)


def signing_identity_for(
    rt: Runtime, principal: Principal, org: str, identity: str | None, role: str
) -> SigningIdentity:
    """Role check, then the wallet identity that will sign - refused (403) before anything is signed."""
    try:
        check_role(principal, role)
        return rt.signing_identity(principal, org, identity)
    except AuthError as exc:
        raise auth_problem(exc) from None


def evaluate(
    rt: Runtime,
    principal: Principal,
    org: str,
    identity: str | None,
    function: str,
    args: list[str],
    transient: Mapping[str, bytes] | None = None,
) -> dict[str, Any]:
    who = signing_identity_for(rt, principal, org, identity, "read")
    settings = rt.org(org)
    request = TxRequest(settings.channel, settings.chaincode, function, tuple(args), dict(transient or {}))
    try:
        payload = rt.port(org).evaluate(who, request)
    except InvalidRequest as invalid:
        raise invalid_request_problem(invalid.field, invalid.message) from None
    except FabricFailure as failure:
        raise problem_for_failure(failure) from None
    return {"result": decode_result(payload)}


async def submit(
    rt: Runtime,
    http: Request,
    principal: Principal,
    org: str,
    identity: str | None,
    function: str,
    args: list[str],
    *,
    idempotent: bool,
    wait: bool,
    idempotency_key: str | None,
    transient: Mapping[str, bytes] | None = None,
    endorsing_orgs: tuple[str, ...] = (),
) -> JSONResponse:
    if idempotency_key is not None and not IDEMPOTENCY_KEY_PATTERN.match(idempotency_key):
        raise Problem(
            400,
            "invalid-idempotency-key",
            "Invalid Idempotency-Key",
            "Idempotency-Key: 1-128 characters of A-Z a-z 0-9 . _ : -",
            field="Idempotency-Key",
        )
    who = signing_identity_for(rt, principal, org, identity, "submit")
    settings = rt.org(org)
    request = TxRequest(
        settings.channel, settings.chaincode, function, tuple(args), dict(transient or {}), endorsing_orgs
    )
    body_for_hash = {
        "f": function,
        "a": list(args),
        "t": {k: hashlib.sha256(v).hexdigest() for k, v in (transient or {}).items()},
        "i": who.label,
        "e": list(endorsing_orgs),
        "idem": idempotent,
    }
    command = SubmitCommand(
        org=org,
        key_id=principal.key_id,
        who=who,
        request=request,
        idempotent=idempotent,
        wait=wait,
        idem_key=idempotency_key,
        request_hash=request_hash(http.method, http.url.path, body_for_hash),
        status_url_base=f"/v1/orgs/{org}/operations",
    )
    return outcome_response(await start_submit(rt, rt.submit_port(org), command))
