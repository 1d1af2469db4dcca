"""Typed REST resources generated from ``resource_table.RESOURCE_OPS``, one router per resource tag.

Each endpoint gets a real signature (path/query parameters and a pydantic body model), so OpenAPI at
/docs documents every field and validation errors name the field exactly.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field, create_model

from gateway.auth.principal import Principal
from gateway.service import actions
from gateway.service.deps import (
    ORG_ROUTE_PROBLEMS,
    IdempotencyKeyHeader,
    IdentityHeader,
    OrgPath,
    get_runtime,
    org_principal,
)
from gateway.service.models import EvaluateResult, OperationReceipt
from gateway.service.resource_table import ID, MSP, RESOURCE_OPS, Arg, ResourceOp
from gateway.service.runtime import Runtime

_P = inspect.Parameter.KEYWORD_ONLY


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


class _BodyBase(BaseModel):
    model_config = ConfigDict(extra="forbid")


def body_model(op: ResourceOp) -> type[BaseModel] | None:
    fields: dict[str, Any] = {}
    for arg in op.args:
        if arg.source == "body":
            default = ... if arg.default is None else arg.default
            fields[arg.name] = (str, Field(default, pattern=arg.pattern, max_length=4096, description=arg.description))
        elif arg.source == "json":
            kind = dict[str, Any] if arg.json_kind == "object" else list[Any]
            fields[arg.name] = (kind, Field(..., description=arg.description or f"JSON {arg.json_kind}"))
    if not fields:
        return None
    return create_model(f"{op.function}Body", __base__=_BodyBase, **fields)


def chaincode_args(op: ResourceOp, values: dict[str, Any], body: BaseModel | None) -> list[str]:
    """The chaincode's positional string arguments, in its order."""
    out: list[str] = []
    for arg in op.args:
        if arg.source in ("path", "query"):
            out.append(str(values[arg.name]))
        elif arg.source == "account":
            out.append(f"{values[arg.name + '_msp']}/{values[arg.name + '_name']}")
        elif arg.source == "body":
            out.append(str(getattr(body, arg.name)))
        else:
            out.append(_canonical(getattr(body, arg.name)))
    return out


def _params(arg: Arg) -> list[inspect.Parameter]:
    if arg.source == "path":
        return [inspect.Parameter(arg.name, _P, annotation=Annotated[str, Path(pattern=arg.pattern)])]
    if arg.source == "account":
        return [
            inspect.Parameter(
                arg.name + "_msp", _P, annotation=Annotated[str, Path(pattern=MSP, description="MSP ID")]
            ),
            inspect.Parameter(arg.name + "_name", _P, annotation=Annotated[str, Path(pattern=ID, description="name")]),
        ]
    annotation = Annotated[str, Query(pattern=arg.pattern, max_length=512, description=arg.description)]
    if arg.default is None:
        return [inspect.Parameter(arg.name, _P, annotation=annotation)]
    return [inspect.Parameter(arg.name, _P, annotation=annotation, default=arg.default)]


def make_endpoint(op: ResourceOp) -> Callable[..., Any]:
    model = body_model(op)
    role = "submit" if op.submit else "read"

    def query(**kw: Any) -> Any:
        args = chaincode_args(op, kw, kw.get("body"))
        return actions.evaluate(kw["rt"], kw["principal"], kw["org"], kw["identity"], op.function, args)

    async def transact(**kw: Any) -> Any:
        # async end to end: the submit waits for its commit on the event loop, holding no worker thread
        rt: Runtime = kw["rt"]
        args = chaincode_args(op, kw, kw.get("body"))
        return await actions.submit(
            rt,
            kw["request"],
            kw["principal"],
            kw["org"],
            kw["identity"],
            op.function,
            args,
            idempotent=op.idempotent,
            wait=kw["mode"] == "sync",
            idempotency_key=kw["idempotency_key"],
        )

    params = [
        inspect.Parameter("org", _P, annotation=OrgPath),
        inspect.Parameter("request", _P, annotation=Request),
        inspect.Parameter("rt", _P, annotation=Annotated[Runtime, Depends(get_runtime)]),
        inspect.Parameter("principal", _P, annotation=Annotated[Principal, Depends(org_principal(role))]),
    ]
    for arg in op.args:
        if arg.source in ("path", "account", "query"):
            params.extend(_params(arg))
    if model is not None:
        params.append(inspect.Parameter("body", _P, annotation=Annotated[model, Body()]))
    params.append(inspect.Parameter("identity", _P, annotation=IdentityHeader, default=None))
    if op.submit:
        params.append(
            inspect.Parameter(
                "idempotency_key",
                _P,
                annotation=IdempotencyKeyHeader,
                default=None,
            )
        )
        params.append(
            inspect.Parameter("mode", _P, annotation=Annotated[Literal["sync", "async"], Query()], default="sync")
        )
    endpoint: Callable[..., Any] = transact if op.submit else query
    endpoint.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    endpoint.__name__ = op.function
    return endpoint


def build_routers() -> list[APIRouter]:
    routers: dict[str, APIRouter] = {}
    for op in RESOURCE_OPS:
        router = routers.setdefault(
            op.tag, APIRouter(prefix="/v1/orgs/{org}", tags=[op.tag], responses=ORG_ROUTE_PROBLEMS)
        )
        extra: dict[str, Any] = {}
        if op.submit:
            extra["responses"] = {202: {"model": OperationReceipt, "description": "Accepted (mode=async)"}}
        router.add_api_route(
            op.path,
            make_endpoint(op),
            methods=[op.method],
            summary=op.summary or op.function,
            description=f"Chaincode transaction `{op.function}`"
            + (" (re-proposed after MVCC conflicts)" if op.idempotent else ""),
            response_model=OperationReceipt if op.submit else EvaluateResult,
            operation_id=op.function,
            **extra,
        )
    return list(routers.values())
