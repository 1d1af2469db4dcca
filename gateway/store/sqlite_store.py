"""The embedded default store: one SQLite file in WAL mode, every write its own transaction.

``synchronous=NORMAL`` in WAL mode survives a process crash (kill -9) for every write; the PREPARED write is
additionally made power-loss durable by syncing the WAL (``synchronous=FULL`` for that commit, which also
flushes every earlier commit in the log). See ``model.must_be_durable``.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from gateway.store import sql
from gateway.store.model import Operation, OpState, must_be_durable


class SqliteStore:
    def __init__(self, path: Path | str) -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        for stmt in sql.schema("BLOB"):
            self._db.execute(stmt)

    def claim(self, op: Operation) -> tuple[Operation, bool]:
        with self._lock:
            cur = self._db.execute(sql.insert_sql("?"), sql.to_row(op))
            if cur.rowcount == 1:
                return op, True
            row = self._db.execute(
                sql.select_sql("org = ? AND key_id = ? AND idem_key = ?"), (op.org, op.key_id, op.idem_key)
            ).fetchone()
        return sql.from_row(row), False

    def save(self, op: Operation) -> None:
        with self._lock:
            if not must_be_durable(op):
                self._db.execute(sql.update_sql("?"), sql.mutable_row(op))
                return
            self._db.execute("PRAGMA synchronous=FULL")
            try:
                self._db.execute(sql.update_sql("?"), sql.mutable_row(op))
            finally:
                self._db.execute("PRAGMA synchronous=NORMAL")

    def reopen(self, op: Operation) -> bool:
        with self._lock:
            return self._db.execute(sql.reopen_sql("?"), (time.time(), op.op_id)).rowcount == 1

    def get(self, org: str, op_id: str) -> Operation | None:
        with self._lock:
            row = self._db.execute(sql.select_sql("org = ? AND op_id = ?"), (org, op_id)).fetchone()
        return None if row is None else sql.from_row(row)

    def get_by_txid(self, org: str, txid: str) -> Operation | None:
        with self._lock:
            row = self._db.execute(sql.select_sql("org = ? AND txid = ?"), (org, txid)).fetchone()
        return None if row is None else sql.from_row(row)

    def unfinished(self) -> list[Operation]:
        states = (OpState.NEW.value, OpState.PREPARED.value, OpState.SUBMITTED.value)
        with self._lock:
            rows = self._db.execute(sql.select_sql("state IN (?, ?, ?) ORDER BY created_at"), states).fetchall()
        return [sql.from_row(r) for r in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()
