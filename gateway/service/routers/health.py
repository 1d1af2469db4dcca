"""Liveness, readiness (every served org's peer answers) and Prometheus metrics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from gateway.service.deps import get_runtime
from gateway.service.fabric_port import FabricPort
from gateway.service.problems import Problem, problem_responses
from gateway.service.runtime import Runtime

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Liveness: the process serves requests")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: the peer of every served org is reachable", responses=problem_responses(503))
def readyz(runtime: Annotated[Runtime, Depends(get_runtime)]) -> dict[str, object]:
    down = [org for org, port in runtime.ports.items() if not _ready(port)]
    if down:
        raise Problem(503, "not-ready", "Not ready", "peer unreachable for " + ", ".join(sorted(down)))
    return {"status": "ready", "orgs": sorted(runtime.ports)}


def _ready(port: FabricPort) -> bool:
    try:
        return bool(port.ready())
    except Exception:  # noqa: BLE001 - any failure means "not ready"
        return False


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics(runtime: Annotated[Runtime, Depends(get_runtime)]) -> Response:
    return Response(runtime.metrics.exposition(), media_type="text/plain; version=0.0.4; charset=utf-8")
