"""Group commit for SQLite on the event loop: statements run where the request runs; only the flush to stable
storage (one ``fdatasync`` of the WAL file per group) happens in a thread.

Why: each REST submit writes its operation three times (claim, PREPARED, final answer) and the PREPARED write
must reach stable storage before the envelope is sent (``model.must_be_durable``). Running the statements in a
writer thread cost more than the statements themselves: every ``sqlite3`` step releases and re-takes the GIL,
so the writer thread, the event loop and gRPC's poller thread handed the GIL back and forth several times per
statement (measured in the gateway process at 2 cores: the store was ~0.35 ms of CPU per submit, the SQL itself
~0.06 ms). Here a statement costs what SQLite costs, on the loop, and the thread does one system call per group.

How (SQLite in WAL mode, ``synchronous=NORMAL``, automatic checkpoints off):

- Every job runs at once inside the open batch transaction, in its own SAVEPOINT: it applies entirely or not
  at all, and a failing job gets its exception without touching the others.
- A job that must be durable waits for the batch's COMMIT (pages written to the WAL, no sync) and then for a
  ``fdatasync`` of the WAL file that started after that COMMIT - what ``synchronous=FULL`` does inside COMMIT
  (sqlite.org/wal.html: FULL syncs the WAL after each commit; NORMAL only at checkpoints). While one sync is in
  flight the next batch gathers; the jobs that need no flush are answered at once and committed with the next
  durable batch, or after ``POST_DELAY_S`` when none comes. Later calls see them either way (one connection).
- Checkpoints run in the sync thread on a connection of their own (PASSIVE: they never block the writer), at
  most every ``CHECKPOINT_INTERVAL_S``; with ``synchronous=NORMAL`` SQLite syncs the WAL before and the database
  after each checkpoint, so a checkpoint never loses a synced commit.
- Calls from other threads (recovery, blocking routes) run on the loop while one is serving the store; without
  a loop they run directly, each in its own transaction, flushed before they return when durable.

A failed flush poisons the writer: every later call fails, since what is on disk is no longer known.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger("gateway.store")
Work = Callable[[sqlite3.Connection], Any]

POST_DELAY_S = 0.02  # longest a job that needs no flush stays uncommitted when no durable job comes
CHECKPOINT_INTERVAL_S = 1.0  # WAL pages copied back into the database at most this often
LOOP_POLL_S = 1.0  # a thread waiting for a call on the loop checks this often that the loop still runs


@dataclass
class Waiter:
    future: asyncio.Future[Any]
    result: Any


def settle(waiters: list[Waiter], error: BaseException | None) -> None:
    """On the event loop: give each still-waiting coroutine its result, or ``error`` when the flush failed."""
    for waiter in waiters:
        if waiter.future.done():
            continue
        if error is None:
            waiter.future.set_result(waiter.result)
        else:
            waiter.future.set_exception(error)


def run_job(db: sqlite3.Connection, work: Work, atomic: bool) -> Any:
    """``work`` inside a SAVEPOINT of the open transaction: all of it or none of it is applied. ``atomic`` work
    (one write statement, reads around it) needs none: SQLite applies a statement entirely or not at all."""
    if atomic:
        return work(db)
    db.execute("SAVEPOINT job")
    try:
        result = work(db)
    except BaseException:
        if db.in_transaction:  # some errors (SQLITE_FULL, IOERR) already rolled the transaction back
            db.execute("ROLLBACK TO job")
            db.execute("RELEASE job")
        raise
    db.execute("RELEASE job")
    return result


class WalSyncer:
    """A thread that makes committed WAL frames durable (``fdatasync`` of the ``-wal`` file) and checkpoints."""

    def __init__(self, wal_path: str, name: str) -> None:
        self._wal_path = wal_path
        self._fd: int | None = None
        self._fd_lock = threading.Lock()
        self._cond = threading.Condition()
        self._requests: list[Callable[[BaseException | None], None]] = []
        self._stopping = False
        self._last_checkpoint = time.monotonic()
        self._checkpointer: sqlite3.Connection | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def request(self, done: Callable[[BaseException | None], None]) -> None:
        """Sync soon; ``done(error or None)`` is called from the thread once a sync started after this returned."""
        with self._cond:
            self._requests.append(done)
            self._cond.notify()

    def sync_now(self) -> None:
        """Sync in the calling thread (blocking callers)."""
        os.fdatasync(self._wal_fd())

    def _wal_fd(self) -> int:
        """The WAL file, opened once it exists (after the first commit). Its directory is synced once too: a
        new file's name must be durable as well as its data (SQLite does the same for a new WAL, ``os_unix.c``)."""
        with self._fd_lock:
            if self._fd is None:
                self._fd = os.open(self._wal_path, os.O_RDONLY | os.O_CLOEXEC)
                folder = os.open(os.path.dirname(os.path.abspath(self._wal_path)), os.O_RDONLY | os.O_CLOEXEC)
                try:
                    os.fsync(folder)
                finally:
                    os.close(folder)
            return self._fd

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._requests and not self._stopping:
                    self._cond.wait()
                requests, self._requests = self._requests, []
                if not requests and self._stopping:
                    break
            error: BaseException | None = None
            try:
                self.sync_now()
            except OSError as exc:
                error = exc
            for done in requests:
                done(error)
            self._maybe_checkpoint()
        if self._checkpointer is not None:
            self._checkpointer.close()

    def _maybe_checkpoint(self) -> None:
        now = time.monotonic()
        if now - self._last_checkpoint < CHECKPOINT_INTERVAL_S:
            return
        self._last_checkpoint = now
        try:
            if self._checkpointer is None:
                self._checkpointer = sqlite3.connect(self._wal_path.removesuffix("-wal"), isolation_level=None)
            self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error:  # the next interval tries again; the WAL only grows meanwhile
            log.exception("WAL checkpoint failed")

    def close(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify()
        self._thread.join()
        with self._fd_lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


class BatchWriter:
    """``wal_path``: the database's ``-wal`` file when it is in WAL mode (durable jobs are flushed by syncing it);
    None for a database whose COMMIT is durable by itself (``synchronous=FULL`` set by the caller) or in memory."""

    def __init__(self, db: sqlite3.Connection, wal_path: str | None = None, name: str = "sqlite-sync") -> None:
        self._db = db
        self._lock = threading.Lock()  # the connection: one job or commit at a time, whichever thread runs it
        self._syncer: WalSyncer | None = None
        if wal_path is not None:
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA wal_autocheckpoint=0")  # checkpoints run in the sync thread (``WalSyncer``)
            self._syncer = WalSyncer(wal_path, name)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._durable: list[Waiter] = []  # applied, waiting for the next commit and flush
        self._syncing = False
        self._commit_handle: asyncio.Handle | None = None
        self._commit_soon = False  # the handle is the immediate one (not the ``POST_DELAY_S`` timer)
        self._closed = False
        self._broken: BaseException | None = None

    # -- callers ---------------------------------------------------------------------------------------------

    async def call_async(self, work: Callable[[sqlite3.Connection], T], durable: bool = False,
                         atomic: bool = False) -> T:
        """Run ``work`` now, in the open batch; a durable job returns once its batch is committed and flushed.
        ``atomic``: ``work`` makes at most one write statement (see :func:`run_job`)."""
        loop = asyncio.get_running_loop()
        self._loop, self._loop_thread = loop, threading.get_ident()
        try:
            result = self._apply(work, atomic)
        finally:
            self._schedule(0.0 if durable else POST_DELAY_S)  # commit the open batch even when this job failed
        if not durable:
            return result  # type: ignore[no-any-return]
        waiter = Waiter(loop.create_future(), result)
        self._durable.append(waiter)
        return await waiter.future  # type: ignore[no-any-return]

    def post(self, work: Callable[[sqlite3.Connection], object], atomic: bool = False) -> None:
        """Run ``work`` without waiting for its commit; a failure is logged. Every later call sees its effect."""
        try:
            if self._on_loop():
                try:
                    self._apply(work, atomic)
                finally:
                    self._schedule(POST_DELAY_S)
            else:
                self.call(work, atomic=atomic)
        except sqlite3.ProgrammingError:
            raise
        except Exception:  # noqa: BLE001 - nobody waits for this job: its failure is logged
            log.exception("queued store write failed")

    def call(self, work: Callable[[sqlite3.Connection], T], durable: bool = False, atomic: bool = False) -> T:
        """Run ``work`` and return its committed (and, when durable, flushed) result, from any thread."""
        loop = self._loop
        if loop is None or not loop.is_running() or self._on_loop():
            return self._direct(work, durable, atomic)
        future = asyncio.run_coroutine_threadsafe(self.call_async(work, durable, atomic), loop)
        while True:
            try:
                return future.result(LOOP_POLL_S)
            except concurrent.futures.TimeoutError:
                if not loop.is_running():
                    raise sqlite3.ProgrammingError("store: its event loop stopped during the call") from None

    def close(self) -> None:
        """Commit and flush what was applied, stop the sync thread, close the connection."""
        if self._closed:
            return
        self._closed = True
        with self._lock:
            error = self._commit_locked()
        if error is not None:
            log.error("store: last commit failed", exc_info=error)
        waiting, self._durable = self._durable, []
        if self._syncer is not None:
            try:
                self._syncer.sync_now()
            except OSError as exc:
                error = exc
            self._syncer.close()
        if waiting and self._loop is not None:
            with contextlib.suppress(RuntimeError):  # loop closed: nobody is waiting any more
                self._loop.call_soon_threadsafe(settle, waiting, error)
        self._db.close()

    # -- the work --------------------------------------------------------------------------------------------

    def _on_loop(self) -> bool:
        return self._loop_thread == threading.get_ident() and self._loop is not None and self._loop.is_running()

    def _usable(self) -> None:
        if self._closed:
            raise sqlite3.ProgrammingError("store: closed")
        if self._broken is not None:
            raise sqlite3.OperationalError(f"store: an earlier flush to disk failed: {self._broken}")

    def _apply(self, work: Work, atomic: bool) -> Any:
        """Run ``work`` in the open batch transaction (begun if needed)."""
        with self._lock:
            self._usable()
            if not self._db.in_transaction:
                self._db.execute("BEGIN IMMEDIATE")
            return run_job(self._db, work, atomic)

    def _direct(self, work: Work, durable: bool, atomic: bool) -> Any:
        """Outside the loop (or on it, from blocking code): apply, commit everything open, flush if durable."""
        with self._lock:
            self._usable()
            if not self._db.in_transaction:
                self._db.execute("BEGIN IMMEDIATE")
            try:
                result = run_job(self._db, work, atomic)
            finally:
                error = self._commit_locked()
            if error is not None:
                raise error
        if durable and self._syncer is not None:
            try:
                self._syncer.sync_now()
            except OSError as exc:
                self._broken = exc
                raise
        return result

    def _commit_locked(self) -> BaseException | None:
        """COMMIT what is open (no sync: ``synchronous=NORMAL``); on failure roll back and return the error."""
        if not self._db.in_transaction:
            return None
        try:
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
            log.error("store: commit failed, batch rolled back", exc_info=exc)
            return exc
        return None

    # -- group commit on the loop ----------------------------------------------------------------------------

    def _schedule(self, delay: float) -> None:
        """Commit at the end of this loop turn (``delay`` 0) or after ``delay``; a sync in flight commits when
        it is done (the next group gathers meanwhile)."""
        if self._syncing or self._loop is None:
            return
        if self._commit_handle is not None:
            if self._commit_soon or delay > 0:
                return
            self._commit_handle.cancel()
        self._commit_soon = delay == 0
        if delay == 0:
            self._commit_handle = self._loop.call_soon(self._commit_batch)
        else:
            self._commit_handle = self._loop.call_later(delay, self._commit_batch)

    def _commit_batch(self) -> None:
        self._commit_handle = None
        if self._closed:
            return
        waiting, self._durable = self._durable, []
        with self._lock:
            error = self._commit_locked()
        if error is not None or not waiting:
            settle(waiting, error)
            return
        if self._syncer is None:
            settle(waiting, None)
            return
        self._syncing = True
        loop = self._loop
        assert loop is not None

        def flushed(sync_error: BaseException | None) -> None:
            with contextlib.suppress(RuntimeError):  # that loop is closed: nobody is waiting any more
                loop.call_soon_threadsafe(self._flushed, waiting, sync_error)

        self._syncer.request(flushed)

    def _flushed(self, waiting: list[Waiter], error: BaseException | None) -> None:
        self._syncing = False
        if error is not None:
            self._broken = error
            log.error("store: flush to disk failed; the store refuses further calls", exc_info=error)
            waiting, self._durable = waiting + self._durable, []
        settle(waiting, error)
        if self._durable:
            self._schedule(0.0)
        elif self._db.in_transaction and not self._closed:
            self._schedule(POST_DELAY_S)
