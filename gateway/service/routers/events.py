"""Server-Sent Events of chaincode events: filterable by name, resumable with Last-Event-ID.

Each event's SSE id is ``<block>:<txid>:<index in tx>``. Fabric's ChaincodeEvents service starts at a block
(fabric-protocol.md §10.4), so a resume restarts at the id's block and skips the events up to and including
the one named - nothing is lost, nothing is delivered twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import StreamingResponse

from gateway.auth.principal import Principal
from gateway.service.actions import signing_identity_for
from gateway.service.deps import ORG_ROUTE_PROBLEMS, IdentityHeader, OrgPath, get_runtime, org_principal
from gateway.service.errormap import problem_for_failure
from gateway.service.fabric_port import ChaincodeEvent, FabricFailure
from gateway.service.problems import Problem
from gateway.service.runtime import Runtime
from gateway.service.submission import decode_result

router = APIRouter(prefix="/v1/orgs/{org}", tags=["events"], responses=ORG_ROUTE_PROBLEMS)

EVENT_ID = re.compile(r"^(\d{1,19}):([0-9a-f]{64}):(\d{1,6})$")


def parse_event_id(value: str) -> tuple[int, str, int]:
    match = EVENT_ID.match(value)
    if not match:
        raise Problem(
            400,
            "invalid-last-event-id",
            "Invalid Last-Event-ID",
            "Last-Event-ID must be <block>:<txid>:<index> as sent by this stream",
            field="Last-Event-ID",
        )
    return int(match.group(1)), match.group(2), int(match.group(3))


def number_events(events: Iterator[ChaincodeEvent]) -> Iterator[tuple[str, ChaincodeEvent]]:
    """Attach ``block:txid:index`` ids; the index counts events of one transaction in ledger order."""
    last: tuple[int, str] | None = None
    index = 0
    for event in events:
        key = (event.block_number, event.txid)
        index = index + 1 if key == last else 0
        last = key
        yield f"{event.block_number}:{event.txid}:{index}", event


def after_resume_point(
    numbered: Iterator[tuple[str, ChaincodeEvent]], resume: tuple[int, str, int] | None
) -> Iterator[tuple[str, ChaincodeEvent]]:
    """Drop everything up to and including the resume point (all of it lies in the resume block)."""
    pending = resume is not None
    for event_id, event in numbered:
        if pending and resume is not None and event.block_number <= resume[0]:
            if event.block_number == resume[0] and event_id == f"{resume[0]}:{resume[1]}:{resume[2]}":
                pending = False
            continue
        pending = False
        yield event_id, event


def sse_frame(event_id: str, event: ChaincodeEvent) -> str:
    data = {
        "block_number": event.block_number,
        "txid": event.txid,
        "chaincode": event.chaincode,
        "name": event.name,
        "payload": decode_result(event.payload),
    }
    return f"id: {event_id}\nevent: chaincode\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


@router.get(
    "/events",
    summary="Chaincode events as Server-Sent Events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
def events(
    org: OrgPath,
    rt: Annotated[Runtime, Depends(get_runtime)],
    principal: Annotated[Principal, Depends(org_principal("events"))],
    identity: IdentityHeader = None,
    name: Annotated[list[str] | None, Query(max_length=32, description="Only these event names")] = None,
    start_block: Annotated[int | None, Query(ge=0, description="First block (default: next block)")] = None,
    limit: Annotated[int | None, Query(ge=1, le=100000, description="Close the stream after this many")] = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=100)] = None,
) -> StreamingResponse:
    who = signing_identity_for(rt, principal, org, identity, "events")
    resume = parse_event_id(last_event_id) if last_event_id else None
    first_block = resume[0] if resume else start_block
    settings = rt.org(org)
    wanted = set(name or [])
    try:
        source = rt.port(org).chaincode_events(who, settings.channel, settings.chaincode, first_block)
    except FabricFailure as failure:
        raise problem_for_failure(failure) from None

    frames = sse_frames(source, resume, wanted, limit)

    async def stream() -> AsyncIterator[str]:
        loop = asyncio.get_running_loop()
        pending: asyncio.Future[str | None] | None = None
        try:
            while True:
                if pending is None:
                    pending = loop.run_in_executor(rt.stream_executor, next, frames, None)
                done, _ = await asyncio.wait({pending}, timeout=rt.settings.sse_heartbeat)
                if not done:
                    # An SSE comment keeps proxies from closing an idle stream and reveals a gone client.
                    yield ": keep-alive\n\n"
                    continue
                frame = pending.result()
                pending = None
                if frame is None:
                    return
                yield frame
        finally:
            # Client gone or stream done: cancel the Fabric stream, which releases the worker thread.
            close_source(source)

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})


def sse_frames(
    source: Iterable[ChaincodeEvent], resume: tuple[int, str, int] | None, wanted: set[str], limit: int | None
) -> Iterator[str]:
    sent = 0
    try:
        for event_id, event in after_resume_point(number_events(iter(source)), resume):
            if wanted and event.name not in wanted:
                continue
            yield sse_frame(event_id, event)
            sent += 1
            if limit is not None and sent >= limit:
                return
    except FabricFailure as failure:
        problem = problem_for_failure(failure)
        yield f"event: error\ndata: {json.dumps(problem.body(), separators=(',', ':'))}\n\n"


def close_source(source: object) -> None:
    """Cancel the underlying Fabric stream; must be safe to call while another thread waits on it."""
    close = getattr(source, "close", None)
    if callable(close):
        with contextlib.suppress(ValueError):  # a plain generator running in a worker ends with its stream
            close()
