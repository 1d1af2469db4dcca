"""Crash recovery: settle every operation a previous run (or a dead replica) left unfinished.

- ``NEW``: nothing was signed or sent (the envelope is stored before sending), so it is failed with 503
  ``not-submitted``; a replay of its Idempotency-Key returns that answer, and nothing can apply later.
- ``PREPARED``/``SUBMITTED``: the stored envelope is sent again unchanged and its commit status awaited.
  If the first send did reach the orderer, the second copy is refused at commit as DUPLICATE_TXID while
  CommitStatus reports the first, so the answer is the real outcome and nothing applies twice.

Only operations idle for ``grace`` seconds are touched, so an in-flight request of a live replica sharing
the PostgreSQL store is left alone. MVCC conflicts found here are reported, not retried (the original
request body is not stored, only its hash).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time

from gateway.service.errormap import problem_for_failure
from gateway.service.fabric_port import AsyncFabricPort, FabricFailure, SigningIdentity
from gateway.service.port_adapter import BlockingPortAdapter
from gateway.service.problems import Problem
from gateway.service.runtime import Runtime
from gateway.service.submission import Outcome, resend_prepared, settle
from gateway.store.model import Operation, OpState

log = logging.getLogger("gateway.service.recovery")


def _signer_for(rt: Runtime, op: Operation) -> SigningIdentity:
    entry = rt.wallet.entry(op.identity)
    if entry.org != op.org:
        raise ValueError(f"operation {op.op_id}: identity {op.identity!r} is not of org {op.org!r}")
    return SigningIdentity(op.identity, entry.identity, rt.wallet.signer(op.identity))


def recover_operation(rt: Runtime, op: Operation) -> Outcome | None:
    """Settle one operation from a thread of its own. The submit engine is asyncio; here it runs on a private
    loop over the org's blocking port (the service's ``grpc.aio`` channels belong to the server's loop)."""
    return asyncio.run(_recover_operation(rt, BlockingPortAdapter(rt.port(op.org), inline=True), op))


async def _recover_operation(rt: Runtime, port: AsyncFabricPort, op: Operation) -> Outcome | None:
    if op.state == OpState.NEW:
        problem = Problem(
            503,
            "not-submitted",
            "Not submitted",
            "the gateway stopped before the transaction was signed; nothing was sent",
            operation_id=op.op_id,
        )
        rt.store.save(op.evolve(state=OpState.FAILED, http_status=503, response=problem.body()))
        return None
    who = _signer_for(rt, op)
    await resend_prepared(port, who, op)
    if op.state == OpState.PREPARED:
        op = op.evolve(state=OpState.SUBMITTED)
        rt.store.save(op)
    try:
        return await settle(rt, port, who, None, op)
    except FabricFailure as failure:  # settle reports most failures itself; this is belt and braces
        log.warning(
            "recovery could not settle", extra={"operation_id": op.op_id, "problem": str(problem_for_failure(failure))}
        )
        return None


def recover(rt: Runtime, grace: float = 0.0) -> int:
    """Settle unfinished operations idle for at least ``grace`` seconds; returns how many were touched."""
    now = time.time()
    count = 0
    for op in rt.store.unfinished():
        if now - op.updated_at < grace or op.org not in rt.ports:
            continue
        try:
            recover_operation(rt, op)
        except Exception:  # noqa: BLE001 - one bad row must not stop the others
            log.exception("recovery failed", extra={"operation_id": op.op_id})
        count += 1
    return count


class RecoverySweeper:
    """Runs :func:`recover` once at startup (in the background, so startup never blocks on Fabric), then every
    ``Settings.recovery_interval`` seconds for operations left open by transient failures (orderer or peer
    unreachable, commit-status timeout). Periodic sweeps skip operations younger than twice the commit
    timeout, which this process may still be settling itself."""

    def __init__(self, rt: Runtime) -> None:
        self._rt = rt
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gateway-recovery", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        settings = self._rt.settings
        self._pass(settings.recovery_grace)
        periodic_grace = max(settings.recovery_grace, 2 * settings.commit_timeout)
        while not self._stop.wait(settings.recovery_interval):
            self._pass(periodic_grace)

    def _pass(self, grace: float) -> None:
        try:
            touched = recover(self._rt, grace)
        except Exception:  # noqa: BLE001 - the sweeper must survive a store outage
            log.exception("recovery pass failed")
            return
        if touched:
            log.info("recovery pass", extra={"operations": touched})
