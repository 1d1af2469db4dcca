"""Submitting a transaction so that a retry, a crash or an MVCC conflict never applies it twice.

The order of steps is the safety argument:

1. ``claim``: the operation row is inserted (or, for a repeated Idempotency-Key, the first one is found and
   its answer replayed - nothing is signed again).
2. ``endorse``: the port returns the envelope signed by our identity.
3. ``PREPARED``: the envelope and its txid are stored *before* anything is sent. A crash before this step
   leaves nothing in flight; a crash after it leaves an envelope that recovery sends again unchanged - the
   same txid, which Fabric's committer refuses a second time (DUPLICATE_TXID, ``core/ledger/kvledger``).
4. ``submit`` then ``SUBMITTED``; 5. ``commit_status`` then ``COMMITTED``/``FAILED`` with the final answer.

An MVCC_READ_CONFLICT/PHANTOM_READ_CONFLICT (fabric-protocol.md §4.4) means the state read at endorsement
changed before commit; the transaction had no effect, so for operations declared idempotent a fresh proposal
(new txid) is made, up to ``Settings.mvcc_retries`` times. Other conflicts are reported as 409.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from fabric_protos.peer import transaction_pb2

from gateway.service import failpoints
from gateway.service.errormap import problem_for_failure, problem_for_validation_code
from gateway.service.fabric_port import (
    MVCC_READ_CONFLICT,
    PHANTOM_READ_CONFLICT,
    AsyncFabricPort,
    FabricFailure,
    FailureKind,
    InvalidRequest,
    PreparedTransaction,
    SigningIdentity,
    TxRequest,
)
from gateway.service.logs import note_txid
from gateway.service.membership import non_member_orgs
from gateway.service.problems import Problem, invalid_request_problem
from gateway.service.runtime import Runtime
from gateway.store.model import Operation, OpState, new_operation

log = logging.getLogger("gateway.service.submission")

RETRYABLE_CONFLICTS = (MVCC_READ_CONFLICT, PHANTOM_READ_CONFLICT)
# Orderer answers that prove the envelope was refused (not merely unreachable): safe to mark FAILED.
DEFINITIVE_SUBMIT_REFUSALS = ("ABORTED", "INVALID_ARGUMENT", "PERMISSION_DENIED")


@dataclass(frozen=True)
class SubmitCommand:
    org: str
    key_id: str
    who: SigningIdentity
    request: TxRequest
    idempotent: bool
    wait: bool
    idem_key: str | None
    request_hash: str
    status_url_base: str


@dataclass(frozen=True)
class Outcome:
    status: int
    body: dict[str, Any]
    is_problem: bool = False
    headers: dict[str, str] = field(default_factory=dict)


def validation_code_name(code: int) -> str:
    try:
        return transaction_pb2.TxValidationCode.Name(code)
    except ValueError:
        return f"UNKNOWN_{code}"


def decode_result(payload: bytes) -> Any:
    """Chaincode payloads are JSON for the asset registry; anything else comes back as text or base64."""
    if not payload:
        return None
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(payload).decode()}
    try:
        return json.loads(text)
    except ValueError:
        return text


def operation_view(op: Operation, base: str = "") -> dict[str, Any]:
    """The receipt a caller may read: never the envelope, never another org's data."""
    view: dict[str, Any] = {
        "operation_id": op.op_id,
        "txid": op.txid,
        "status": op.state.value,
        "validation_code": op.validation_code,
        "block_number": op.block_number,
        "attempts": op.attempts,
    }
    if base:
        view["status_url"] = f"{base}/{op.op_id}"
    if op.state.final:
        view["http_status"] = op.http_status
        view["response"] = op.response
    return view


def _problem_outcome(problem: Problem, op: Operation) -> Outcome:
    problem.extensions.setdefault("operation_id", op.op_id)
    if op.txid:
        problem.extensions.setdefault("txid", op.txid)
    return Outcome(problem.status, problem.body(), True, problem.headers)


async def _finish(rt: Runtime, op: Operation, outcome: Outcome, state: OpState, **changes: Any) -> Outcome:
    """Record the final answer, then give it. ``save_soon``: a repeated Idempotency-Key arriving after this
    answer sees it (the store serves calls in order); a crash before it reaches the disk leaves the PREPARED
    row, which recovery settles to the same answer (re-send, same txid, commit status)."""
    await rt.store.save_soon(op.evolve(state=state, http_status=outcome.status, response=outcome.body, **changes))
    return outcome


async def start_submit(rt: Runtime, port: AsyncFabricPort, cmd: SubmitCommand) -> Outcome:
    op = new_operation(cmd.org, cmd.key_id, cmd.idem_key, cmd.request_hash, cmd.who.label, cmd.request.channel)
    stored, created = await rt.store.claim_async(op)
    if created:
        return await execute(rt, port, cmd, stored)
    if retryable_before_send(stored, cmd) and await asyncio.to_thread(rt.store.reopen, stored):
        return await execute(rt, port, cmd, stored.evolve(state=OpState.NEW, http_status=None, response=None))
    return replay(stored, cmd)


def retryable_before_send(op: Operation, cmd: SubmitCommand) -> bool:
    """A retry of a request that failed transiently (503/504) before any envelope existed may run again:
    nothing was signed for the orderer, so nothing can apply twice. Every other stored answer is final."""
    return (
        op.request_hash == cmd.request_hash
        and op.state == OpState.FAILED
        and op.envelope is None
        and op.http_status in (503, 504)
    )


def replay(op: Operation, cmd: SubmitCommand) -> Outcome:
    """Answer a repeated Idempotency-Key from the store; never sign or send anything again."""
    if op.request_hash != cmd.request_hash:
        problem = Problem(
            422,
            "idempotency-key-reused",
            "Idempotency-Key reused",
            "this Idempotency-Key was first used for a different request",
            field="Idempotency-Key",
        )
        return Outcome(422, problem.body(), True)
    if op.state.final and op.http_status is not None and op.response is not None:
        is_problem = op.http_status >= 400
        return Outcome(op.http_status, op.response, is_problem, {"Idempotent-Replayed": "true"})
    if not cmd.wait:
        return Outcome(
            202,
            operation_view(op, cmd.status_url_base),
            False,
            {"Location": f"{cmd.status_url_base}/{op.op_id}", "Idempotent-Replayed": "true"},
        )
    problem = Problem(
        409,
        "operation-in-progress",
        "Operation in progress",
        "the first request with this Idempotency-Key has not finished; poll its status",
        operation_id=op.op_id,
        status_url=f"{cmd.status_url_base}/{op.op_id}",
    )
    return Outcome(409, problem.body(), True)


async def attempt(
    rt: Runtime,
    port: AsyncFabricPort,
    who: SigningIdentity,
    request: TxRequest,
    op: Operation,
    store_submitted: bool = True,
) -> Operation:
    """Endorse, store the signed envelope, then send it. Raises FabricFailure with ``op`` as last saved.

    Returns ``op`` in state SUBMITTED; that state is written only when ``store_submitted``. The SUBMITTED
    marker carries nothing crash safety needs: recovery treats PREPARED and SUBMITTED alike (re-send the stored
    envelope, same txid, then read its commit status - ``recovery.py``), so losing or skipping it can never
    apply a transaction twice or lose one. It is only what a poller of ``GET /operations/{id}`` sees while
    the commit is awaited; a sync submit has no poller (its answer follows), so it skips the write and
    stores SUBMITTED only if it ends without a final answer (``settle``)."""
    t0 = time.perf_counter()
    prepared = await port.endorse(who, request)
    rt.metrics.child(rt.metrics.fabric_seconds, "endorse").observe(time.perf_counter() - t0)
    note_txid(prepared.txid)
    op = op.evolve(
        state=OpState.PREPARED,
        txid=prepared.txid,
        envelope=prepared.envelope,
        attempts=op.attempts + 1,
        response={"result": decode_result(prepared.result)},
    )
    # Durable BEFORE the envelope leaves this process. This is the one write with a flush to stable storage
    # (``store.model.must_be_durable``); the event loop keeps serving the other requests while the disk syncs
    # (SQLite: group commit, one flush per batch), and nothing is sent until the await has returned.
    await rt.store.save_async(op)
    failpoints.hit("after-store")
    t0 = time.perf_counter()
    await port.submit(who, prepared)
    failpoints.hit("after-submit")
    rt.metrics.child(rt.metrics.fabric_seconds, "submit").observe(time.perf_counter() - t0)
    op = op.evolve(state=OpState.SUBMITTED)
    if store_submitted:
        await rt.store.save_soon(op)
    return op


async def execute(rt: Runtime, port: AsyncFabricPort, cmd: SubmitCommand, op: Operation) -> Outcome:
    try:
        op = await attempt(rt, port, cmd.who, cmd.request, op, store_submitted=not cmd.wait)
    except InvalidRequest as invalid:
        # Refused while building the proposal: nothing was signed, so the answer is final (and replayable).
        return await _finish(
            rt, op, _problem_outcome(invalid_request_problem(invalid.field, invalid.message), op), OpState.FAILED
        )
    except FabricFailure as failure:
        return await _failed_before_commit(rt, port, cmd, op, failure)
    retry_request = cmd.request if cmd.idempotent else None
    if not cmd.wait:
        rt.spawn(_settle_in_background(rt, port, cmd.who, retry_request, op))
        return Outcome(
            202, operation_view(op, cmd.status_url_base), False, {"Location": f"{cmd.status_url_base}/{op.op_id}"}
        )
    return await settle(rt, port, cmd.who, retry_request, op)


async def non_member_endorser_problem(
    port: AsyncFabricPort, cmd: SubmitCommand, failure: FabricFailure
) -> Problem | None:
    """422 naming ``endorsing_orgs[i]`` when Endorse failed UNAVAILABLE and a requested endorsing org is not a
    member of the channel (``membership.py``: Fabric gives the same UNAVAILABLE for a member whose peers
    are down, which stays 503). If the channel's orgs cannot be read, nothing is concluded: 503 stays."""
    if failure.kind != FailureKind.ENDORSE or failure.grpc_code != "UNAVAILABLE" or not cmd.request.endorsing_orgs:
        return None
    try:
        members = await port.channel_orgs(cmd.who, cmd.request.channel)
    except FabricFailure:
        return None
    strangers = non_member_orgs(cmd.request.endorsing_orgs, members)
    if not strangers:
        return None
    index, org = strangers[0]
    return Problem(
        422,
        "endorsing-org-not-in-channel",
        "Endorsing org is not a member of the channel",
        f"endorsing_orgs[{index}]: {org!r} is not a member of channel {cmd.request.channel!r}",
        field=f"endorsing_orgs[{index}]",
    )


async def _failed_before_commit(
    rt: Runtime, port: AsyncFabricPort, cmd: SubmitCommand, op: Operation, failure: FabricFailure
) -> Outcome:
    current = await rt.store.get_async(op.org, op.op_id) or op
    if current.state == OpState.NEW:  # nothing was signed for the orderer: the input may be the cause
        refused = await non_member_endorser_problem(port, cmd, failure)
        if refused is not None:
            return await _finish(rt, current, _problem_outcome(refused, current), OpState.FAILED)
    problem = problem_for_failure(failure)
    if current.state == OpState.PREPARED and failure.grpc_code not in DEFINITIVE_SUBMIT_REFUSALS:
        # The envelope may have reached an orderer: keep it PREPARED so recovery re-sends it (same txid).
        problem.extensions["operation_id"] = op.op_id
        problem.extensions["status_url"] = f"{cmd.status_url_base}/{op.op_id}"
        return Outcome(problem.status, problem.body(), True, problem.headers)
    return await _finish(rt, current, _problem_outcome(problem, current), OpState.FAILED)


async def _settle_in_background(
    rt: Runtime, port: AsyncFabricPort, who: SigningIdentity, request: TxRequest | None, op: Operation
) -> None:
    try:
        await settle(rt, port, who, request, op)
    except Exception:  # noqa: BLE001 - a background task must log, not die silently
        log.exception("background settle failed", extra={"operation_id": op.op_id})


async def settle(
    rt: Runtime, port: AsyncFabricPort, who: SigningIdentity, request: TxRequest | None, op: Operation
) -> Outcome:
    """Wait for the commit of ``op``'s transaction; retry conflicts with a fresh proposal when allowed."""
    while True:
        assert op.txid is not None
        note_txid(op.txid)
        try:
            t0 = time.perf_counter()
            status = await port.commit_status(who, op.channel, op.txid, rt.settings.commit_timeout)
            rt.metrics.child(rt.metrics.fabric_seconds, "commit_status").observe(time.perf_counter() - t0)
        except FabricFailure as failure:
            # Outcome unknown, not failed: the operation stays SUBMITTED and is settled later.
            await rt.store.save_soon(op)  # (re)states SUBMITTED: a sync submit skipped that write (see ``attempt``)
            problem = problem_for_failure(failure)
            return _problem_outcome(problem, op)
        name = validation_code_name(status.validation_code)
        rt.metrics.child(rt.metrics.tx_outcomes, name).inc()
        if status.valid:
            body = operation_view(
                op.evolve(state=OpState.COMMITTED, validation_code=name, block_number=status.block_number)
            )
            body.pop("http_status", None)
            body.pop("response", None)
            body["result"] = (op.response or {}).get("result")
            return await _finish(
                rt, op, Outcome(200, body), OpState.COMMITTED, validation_code=name, block_number=status.block_number
            )
        retry = (
            request is not None
            and status.validation_code in RETRYABLE_CONFLICTS
            and op.attempts <= rt.settings.mvcc_retries
        )
        if not retry:
            problem = problem_for_validation_code(op.txid, status.validation_code, name)
            return await _finish(
                rt,
                op,
                _problem_outcome(problem, op),
                OpState.FAILED,
                validation_code=name,
                block_number=status.block_number,
            )
        assert request is not None
        rt.metrics.mvcc_retries.inc()
        log.info("retrying after conflict", extra={"operation_id": op.op_id, "validation_code": name})
        try:
            op = await attempt(rt, port, who, request, op)
        except FabricFailure as failure:
            current = await rt.store.get_async(op.org, op.op_id) or op
            if current.state == OpState.PREPARED and failure.grpc_code not in DEFINITIVE_SUBMIT_REFUSALS:
                return _problem_outcome(problem_for_failure(failure), current)
            return await _finish(rt, current, _problem_outcome(problem_for_failure(failure), current), OpState.FAILED)


async def resend_prepared(port: AsyncFabricPort, who: SigningIdentity, op: Operation) -> None:
    """Send a stored envelope again, unchanged. A duplicate is harmless: same txid, applied at most once."""
    assert op.txid is not None and op.envelope is not None
    try:
        await port.submit(who, PreparedTransaction(op.txid, op.channel, op.envelope))
    except FabricFailure as failure:
        log.warning(
            "re-send failed; checking commit status", extra={"operation_id": op.op_id, "grpc_code": failure.grpc_code}
        )
