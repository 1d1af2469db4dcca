"""The store for several gateway replicas: PostgreSQL via psycopg 3, a small pool of connections.

``INSERT ... ON CONFLICT DO NOTHING`` on the (org, key_id, idem_key) unique constraint makes the
idempotency claim atomic across replicas: exactly one replica's insert wins, the others read its row.
Sessions run with ``synchronous_commit=off`` (crash-safe for the server process, not for power loss); the
PREPARED write switches it on for its own transaction, so it is flushed to the WAL before the envelope is sent
(see ``model.must_be_durable``). Several connections let concurrent requests share WAL flushes (group commit).
"""

from __future__ import annotations

import asyncio
import queue
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from gateway.store import sql
from gateway.store.model import Operation, OpState, must_be_durable

SCHEMA_LOCK = 7351


class PostgresStore:
    def __init__(self, dsn: str, pool_size: int = 4) -> None:
        if pool_size < 1:
            raise ValueError("store.pool_size: must be at least 1")
        self._pool: queue.Queue[psycopg.Connection] = queue.Queue()
        self._all: list[psycopg.Connection] = []
        for _ in range(pool_size):
            conn = psycopg.connect(dsn, autocommit=True)
            conn.execute("SET synchronous_commit TO off")
            self._all.append(conn)
            self._pool.put(conn)
        with self._conn() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))  # replicas starting together
            try:
                for stmt in sql.schema("BYTEA"):
                    conn.execute(stmt)  # type: ignore[arg-type]
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK,))

    @contextmanager
    def _conn(self) -> Iterator[psycopg.Connection]:
        conn = self._pool.get()
        try:
            yield conn
        finally:
            self._pool.put(conn)

    def _one(self, query: str, params: tuple[object, ...]) -> Operation | None:
        with self._conn() as conn:
            row = conn.execute(query, params).fetchone()  # type: ignore[arg-type]
        return None if row is None else sql.from_row(row)

    def claim(self, op: Operation) -> tuple[Operation, bool]:
        with self._conn() as conn:
            if conn.execute(sql.insert_sql("%s"), sql.to_row(op)).rowcount == 1:  # type: ignore[arg-type]
                return op, True
        existing = self._one(
            sql.select_sql("org = %s AND key_id = %s AND idem_key = %s"), (op.org, op.key_id, op.idem_key)
        )
        assert existing is not None
        return existing, False

    def save(self, op: Operation) -> None:
        with self._conn() as conn:
            if not must_be_durable(op):
                conn.execute(sql.update_sql("%s"), sql.mutable_row(op))  # type: ignore[arg-type]
                return
            with conn.transaction():
                conn.execute("SET LOCAL synchronous_commit TO on")
                conn.execute(sql.update_sql("%s"), sql.mutable_row(op))  # type: ignore[arg-type]

    # psycopg's blocking connections in a worker thread: the event loop never waits for the server or its WAL
    # flush (the pool's connections are shared with the blocking calls, so no second pool is needed).
    async def claim_async(self, op: Operation) -> tuple[Operation, bool]:
        return await asyncio.to_thread(self.claim, op)

    async def save_async(self, op: Operation) -> None:
        await asyncio.to_thread(self.save, op)

    async def save_soon(self, op: Operation) -> None:
        # Replicas share the database: only a committed write is visible to the next request, wherever it lands.
        await self.save_async(op)

    async def get_async(self, org: str, op_id: str) -> Operation | None:
        return await asyncio.to_thread(self.get, org, op_id)

    def reopen(self, op: Operation) -> bool:
        with self._conn() as conn:
            return conn.execute(sql.reopen_sql("%s"), (time.time(), op.op_id)).rowcount == 1  # type: ignore[arg-type]

    def get(self, org: str, op_id: str) -> Operation | None:
        return self._one(sql.select_sql("org = %s AND op_id = %s"), (org, op_id))

    def get_by_txid(self, org: str, txid: str) -> Operation | None:
        return self._one(sql.select_sql("org = %s AND txid = %s"), (org, txid))

    def unfinished(self) -> list[Operation]:
        states = (OpState.NEW.value, OpState.PREPARED.value, OpState.SUBMITTED.value)
        with self._conn() as conn:
            rows = conn.execute(
                sql.select_sql("state IN (%s, %s, %s) ORDER BY created_at"),  # type: ignore[arg-type]
                states,
            ).fetchall()
        return [sql.from_row(r) for r in rows]

    def flush(self) -> None:
        """Every write here is committed before its call returns: nothing is queued."""

    def close(self) -> None:
        for conn in self._all:
            conn.close()
