"""Group commit for SQLite: one thread owns the connection and runs every queued job of a moment in one
transaction, with at most one flush to stable storage for all of them.

Why: each REST submit writes its operation three times (claim, PREPARED, final answer) and the PREPARED write
must be flushed (``model.must_be_durable``). One autocommit transaction and one WAL fsync per write made the
store the gateway's biggest cost, and - run on the event loop under a lock that a flushing thread held - it
stalled every other request for the length of an fsync. Here the event loop only enqueues and awaits; a batch
of N jobs costs one BEGIN/COMMIT and, if any of them must be durable, one fsync.

Guarantees kept:

- A job's caller learns its result only after the batch's COMMIT returned, so a PREPARED row is on disk
  (``synchronous=FULL`` for that commit) before its envelope can be sent, as before.
- Jobs run in the order they were queued, on one connection: a read sees every write queued before it.
- A failing job never takes the others down with it, nor half-applies: when any statement of a batch raises,
  the whole batch is rolled back and each job is run again alone in its own transaction, so exactly the failing
  job gets the exception and the others their results.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger("gateway.store")
Work = Callable[[sqlite3.Connection], Any]

POST_DELAY_S = 0.02  # longest a posted job waits for company before it is written alone
MAX_BATCH = 256  # bounds one transaction (and the latency of its first job) under a flood of writes


@dataclass
class Job:
    work: Work
    durable: bool
    # at most one of the two is set: a thread waits on ``future``; a coroutine on ``aio`` (resolved on ``loop``);
    # neither for a posted job (nobody waits; a failure is logged)
    future: Future[Any] | None = None
    aio: asyncio.Future[Any] | None = None
    loop: asyncio.AbstractEventLoop | None = None
    outcome: tuple[bool, Any] = field(default=(False, None))  # (ok, result or exception)


def _settle_aio(jobs: list[Job]) -> None:
    """On the event loop: hand each awaiting coroutine its result (one loop wake-up per batch, not per job)."""
    for job in jobs:
        assert job.aio is not None
        if job.aio.cancelled():
            continue
        ok, value = job.outcome
        if ok:
            job.aio.set_result(value)
        else:
            job.aio.set_exception(value)


class BatchWriter:
    def __init__(self, db: sqlite3.Connection, name: str = "sqlite-writer") -> None:
        self._db = db
        db.execute("PRAGMA synchronous=NORMAL")  # the writer owns this setting from here on (``_synchronous``)
        self._queue: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._synchronous_full = False
        self._closed = False
        self._posted: list[Job] = []
        self._posted_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    # -- callers ---------------------------------------------------------------------------------------------

    def call(self, work: Callable[[sqlite3.Connection], T], durable: bool = False) -> T:
        """Run ``work`` in the next batch and wait for its committed result (from any thread but the writer's)."""
        future: Future[T] = Future()
        self._put(Job(work, durable, future=future))
        return future.result()

    async def call_async(self, work: Callable[[sqlite3.Connection], T], durable: bool = False) -> T:
        """:meth:`call` for a coroutine: the event loop is never blocked by SQLite or by a flush."""
        loop = asyncio.get_running_loop()
        aio: asyncio.Future[T] = loop.create_future()
        self._put(Job(work, durable, aio=aio, loop=loop))
        return await aio

    def post(self, work: Callable[[sqlite3.Connection], object]) -> None:
        """Queue ``work`` without waiting for it. Every job queued later runs after it on the same connection, so
        later calls see its effect; only whether it reached the disk is not awaited. A failure is logged.

        A posted job does not wake the writer: it rides along with the next awaited job (which is queued behind
        it), or goes within ``POST_DELAY_S`` when none comes - one transaction for many, not one each."""
        if self._closed:
            raise sqlite3.ProgrammingError("store: closed")
        with self._posted_lock:
            self._posted.append(Job(work, False))

    def _put(self, job: Job) -> None:
        if self._closed:
            raise sqlite3.ProgrammingError("store: closed")
        with self._posted_lock:  # posted jobs first: queue order is the order of the calls
            for posted in self._posted:
                self._queue.put(posted)
            self._posted.clear()
            self._queue.put(job)

    def _take_posted(self) -> list[Job]:
        with self._posted_lock:
            jobs, self._posted = self._posted, []
        return jobs

    def close(self) -> None:
        """Finish every queued job, then stop the thread and close the connection."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(None)
        self._thread.join()
        self._db.close()

    # -- the writer thread -----------------------------------------------------------------------------------

    def _next_batch(self) -> tuple[list[Job], bool]:
        """Wait for one job (or, after ``POST_DELAY_S``, take the posted ones), then whatever else is already
        queued; -> (jobs, stop after them)."""
        try:
            first = self._queue.get(timeout=POST_DELAY_S)
        except queue.Empty:
            return self._take_posted(), False
        if first is None:
            return self._take_posted(), True
        jobs = [first]
        while len(jobs) < MAX_BATCH:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is None:
                return jobs + self._take_posted(), True
            jobs.append(job)
        return jobs, False

    def _run(self) -> None:
        stop = False
        while not stop:
            jobs, stop = self._next_batch()
            if jobs:
                self._execute(jobs)
                self._deliver(jobs)

    def _synchronous(self, full: bool) -> None:
        """``synchronous=FULL`` makes this commit sync the WAL (power-loss durable, and with it every earlier
        commit in the log); NORMAL survives a process crash. Set outside a transaction, only when it changes."""
        if full != self._synchronous_full:
            self._db.execute(f"PRAGMA synchronous={'FULL' if full else 'NORMAL'}")
            self._synchronous_full = full

    def _transaction(self, jobs: list[Job]) -> None:
        """All of ``jobs`` in one transaction; raises (after ROLLBACK) if any statement fails."""
        self._synchronous(any(job.durable for job in jobs))
        self._db.execute("BEGIN IMMEDIATE")
        try:
            results = [job.work(self._db) for job in jobs]
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise
        for job, result in zip(jobs, results, strict=True):
            job.outcome = (True, result)

    def _execute(self, jobs: list[Job]) -> None:
        try:
            self._transaction(jobs)
            return
        except Exception as exc:  # noqa: BLE001 - isolate below; a lone job gets its own exception
            if len(jobs) == 1:
                jobs[0].outcome = (False, exc)
                return
        for job in jobs:
            try:
                self._transaction([job])
            except Exception as exc:  # noqa: BLE001 - handed to the job's caller
                job.outcome = (False, exc)

    def _deliver(self, jobs: list[Job]) -> None:
        by_loop: dict[asyncio.AbstractEventLoop, list[Job]] = {}
        for job in jobs:
            ok, value = job.outcome
            if job.future is not None:
                if ok:
                    job.future.set_result(value)
                else:
                    job.future.set_exception(value)
            elif job.loop is not None:
                by_loop.setdefault(job.loop, []).append(job)
            elif not ok:
                log.error("queued store write failed", exc_info=value)
        for loop, waiting in by_loop.items():
            with contextlib.suppress(RuntimeError):  # that loop is closed: nobody is waiting any more
                loop.call_soon_threadsafe(_settle_aio, waiting)
