"""Generic evaluate/submit of any chaincode function, and operation receipts."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

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
from gateway.service.models import EvaluateBody, EvaluateResult, OperationReceipt, SubmitBody
from gateway.service.problems import Problem
from gateway.service.runtime import Runtime
from gateway.service.submission import operation_view
from gateway.store.model import Operation

router = APIRouter(prefix="/v1/orgs/{org}", tags=["transactions"], responses=ORG_ROUTE_PROBLEMS)

RT = Annotated[Runtime, Depends(get_runtime)]
Mode = Annotated[Literal["sync", "async"], Query(description="sync: wait for commit; async: 202 and poll")]


@router.post("/evaluate", response_model=EvaluateResult, summary="Evaluate (query) any chaincode function")
def evaluate(
    org: OrgPath,
    body: EvaluateBody,
    rt: RT,
    principal: Annotated[Principal, Depends(org_principal("read"))],
    identity: IdentityHeader = None,
) -> dict[str, object]:
    return actions.evaluate(rt, principal, org, identity, body.function, body.args, body.transient_bytes())


@router.post(
    "/submit",
    response_model=OperationReceipt,
    responses={202: {"model": OperationReceipt, "description": "Accepted (async mode)"}},
    summary="Submit any chaincode function (sync or async)",
)
async def submit(
    org: OrgPath,
    body: SubmitBody,
    request: Request,
    rt: RT,
    principal: Annotated[Principal, Depends(org_principal("submit"))],
    identity: IdentityHeader = None,
    idempotency_key: IdempotencyKeyHeader = None,
    mode: Mode = "sync",
) -> JSONResponse:
    return await actions.submit(
        rt,
        request,
        principal,
        org,
        identity,
        body.function,
        body.args,
        idempotent=body.idempotent,
        wait=mode == "sync",
        idempotency_key=idempotency_key,
        transient=body.transient_bytes(),
        endorsing_orgs=tuple(body.endorsing_orgs),
    )


@router.get("/operations/{operation_id}", response_model=OperationReceipt, summary="Status of a submitted operation")
def operation_status(
    org: OrgPath,
    operation_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")],
    rt: RT,
    principal: Annotated[Principal, Depends(org_principal("read"))],
) -> dict[str, object]:
    return _view_or_404(rt.store.get(org, operation_id), "operation", operation_id, org)


@router.get("/transactions/{txid}", response_model=OperationReceipt, summary="Receipt of a transaction by txid")
def transaction_receipt(
    org: OrgPath,
    txid: Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")],
    rt: RT,
    principal: Annotated[Principal, Depends(org_principal("read"))],
) -> dict[str, object]:
    return _view_or_404(rt.store.get_by_txid(org, txid), "transaction", txid, org)


def _view_or_404(op: Operation | None, kind: str, key: str, org: str) -> dict[str, object]:
    """The receipt of a stored operation; 404 ``<kind>-not-found`` when this org's store has none."""
    if op is None:
        raise Problem(404, f"{kind}-not-found", f"{kind.capitalize()} not found", f"no {kind} {key} in org {org}")
    return operation_view(op)
