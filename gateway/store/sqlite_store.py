"""The embedded default store: one SQLite file in WAL mode, written by one thread with group commit.

Every call becomes a job of ``batch_writer.BatchWriter``: the jobs queued at the same moment share one
transaction. ``synchronous=NORMAL`` in WAL mode survives a process crash (kill -9) for every commit; a batch
holding a PREPARED write commits with ``synchronous=FULL`` (one WAL sync for the whole batch, which also
flushes every earlier commit in the log) and no caller hears back before that commit returned. See
``model.must_be_durable``.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from gateway.store import sql
from gateway.store.batch_writer import BatchWriter
from gateway.store.model import Operation, OpState, StoreError, must_be_durable

UNFINISHED = (OpState.NEW.value, OpState.PREPARED.value, OpState.SUBMITTED.value)


INSERT = sql.insert_sql("?")
UPDATE = sql.update_sql("?")
UPSERT = sql.upsert_sql("?")


def _claim(op: Operation) -> Callable[[sqlite3.Connection], tuple[Operation, bool]]:
    def work(db: sqlite3.Connection) -> tuple[Operation, bool]:
        if db.execute(INSERT, sql.to_row(op)).rowcount == 1:
            return op, True
        row = db.execute(
            sql.select_sql("org = ? AND key_id = ? AND idem_key = ?"), (op.org, op.key_id, op.idem_key)
        ).fetchone()
        return sql.from_row(row), False

    return work


def _save(op: Operation) -> Callable[[sqlite3.Connection], None]:
    """An operation with Idempotency-Key was claimed (awaited) and must exist: a PREPARED write finding no row
    refuses, so nothing is sent. One without is first written here (``SqliteStore.claim_async``): upsert."""
    if op.idem_key is None:
        full = sql.to_row(op)
        return lambda db: db.execute(UPSERT, full)
    row = sql.mutable_row(op)
    durable = must_be_durable(op)

    def work(db: sqlite3.Connection) -> None:
        if db.execute(UPDATE, row).rowcount != 1 and durable:
            # the envelope about to be sent would not be recoverable: refuse, so nothing is sent
            raise StoreError(f"operation {op.op_id}: no stored row to record the envelope in")

    return work


def _one(where: str, params: tuple[object, ...]) -> Callable[[sqlite3.Connection], Operation | None]:
    def work(db: sqlite3.Connection) -> Operation | None:
        row = db.execute(sql.select_sql(where), params).fetchone()
        return None if row is None else sql.from_row(row)

    return work


class SqliteStore:
    def __init__(self, path: Path | str) -> None:
        db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        for stmt in sql.schema("BLOB"):
            db.execute(stmt)
        self._writer = BatchWriter(db)

    def claim(self, op: Operation) -> tuple[Operation, bool]:
        return self._writer.call(_claim(op))

    async def claim_async(self, op: Operation) -> tuple[Operation, bool]:
        """Without an Idempotency-Key the insert cannot meet an existing row (fresh random op_id, and NULL keys
        never collide), so its answer is known - and the row is not written yet: the operation's first save
        (its PREPARED envelope, or a final answer given before any envelope) inserts it whole (``_save``), one
        statement instead of two. Nothing is lost: the id is told to nobody before that first save, and a crash
        before it has sent nothing and leaves nobody who could ask (recovery would only have failed a NEW row)."""
        if op.idem_key is None:
            return op, True
        return await self._writer.call_async(_claim(op))

    def save(self, op: Operation) -> None:
        self._writer.call(_save(op), must_be_durable(op))

    async def save_async(self, op: Operation) -> None:
        await self._writer.call_async(_save(op), must_be_durable(op))

    def reopen(self, op: Operation) -> bool:
        now = time.time()
        return self._writer.call(lambda db: db.execute(sql.reopen_sql("?"), (now, op.op_id)).rowcount == 1)

    def get(self, org: str, op_id: str) -> Operation | None:
        return self._writer.call(_one("org = ? AND op_id = ?", (org, op_id)))

    async def save_soon(self, op: Operation) -> None:
        """Queued, not awaited: every later call of this store sees it (one writer, in order)."""
        if must_be_durable(op):
            await self.save_async(op)
        else:
            self._writer.post(_save(op))

    async def get_async(self, org: str, op_id: str) -> Operation | None:
        return await self._writer.call_async(_one("org = ? AND op_id = ?", (org, op_id)))

    def get_by_txid(self, org: str, txid: str) -> Operation | None:
        return self._writer.call(_one("org = ? AND txid = ?", (org, txid)))

    def unfinished(self) -> list[Operation]:
        def work(db: sqlite3.Connection) -> list[Operation]:
            rows = db.execute(sql.select_sql("state IN (?, ?, ?) ORDER BY created_at"), UNFINISHED).fetchall()
            return [sql.from_row(r) for r in rows]

        return self._writer.call(work)

    def flush(self) -> None:
        self._writer.call(lambda db: None)  # queued behind every posted job: returns after their commit

    def close(self) -> None:
        self._writer.close()
