"""The store for several gateway replicas: PostgreSQL via psycopg 3, autocommit, one statement per write.

``INSERT ... ON CONFLICT DO NOTHING`` on the (org, key_id, idem_key) unique constraint makes the
idempotency claim atomic across replicas: exactly one replica's insert wins, the others read its row.
"""

from __future__ import annotations

import threading

import psycopg

from gateway.store import sql
from gateway.store.model import Operation, OpState


class PostgresStore:
    def __init__(self, dsn: str) -> None:
        self._lock = threading.Lock()
        self._db = psycopg.connect(dsn, autocommit=True)
        with self._db.cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(7351)")  # replicas starting together create the schema once
            for stmt in sql.schema("BYTEA"):
                cur.execute(stmt)  # type: ignore[arg-type]
            cur.execute("SELECT pg_advisory_unlock(7351)")

    def _one(self, query: str, params: tuple[object, ...]) -> Operation | None:
        with self._lock, self._db.cursor() as cur:
            cur.execute(query, params)  # type: ignore[arg-type]
            row = cur.fetchone()
        return None if row is None else sql.from_row(row)

    def claim(self, op: Operation) -> tuple[Operation, bool]:
        with self._lock, self._db.cursor() as cur:
            cur.execute(sql.insert_sql("%s"), sql.to_row(op))  # type: ignore[arg-type]
            if cur.rowcount == 1:
                return op, True
        existing = self._one(
            sql.select_sql("org = %s AND key_id = %s AND idem_key = %s"), (op.org, op.key_id, op.idem_key)
        )
        assert existing is not None
        return existing, False

    def save(self, op: Operation) -> None:
        with self._lock, self._db.cursor() as cur:
            cur.execute(sql.update_sql("%s"), sql.mutable_row(op))  # type: ignore[arg-type]

    def get(self, org: str, op_id: str) -> Operation | None:
        return self._one(sql.select_sql("org = %s AND op_id = %s"), (org, op_id))

    def get_by_txid(self, org: str, txid: str) -> Operation | None:
        return self._one(sql.select_sql("org = %s AND txid = %s"), (org, txid))

    def unfinished(self) -> list[Operation]:
        states = (OpState.NEW.value, OpState.PREPARED.value, OpState.SUBMITTED.value)
        with self._lock, self._db.cursor() as cur:
            cur.execute(sql.select_sql("state IN (%s, %s, %s) ORDER BY created_at"), states)  # type: ignore[arg-type]
            rows = cur.fetchall()
        return [sql.from_row(r) for r in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()
