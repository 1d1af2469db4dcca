"""SQL shared by the SQLite and PostgreSQL stores; only placeholders and the blob type differ."""

from __future__ import annotations

import json
from typing import Any

from gateway.store.model import Operation, OpState

MUTABLE = (
    "state",
    "txid",
    "envelope",
    "attempts",
    "http_status",
    "response",
    "validation_code",
    "block_number",
    "updated_at",
)
"""Columns an operation may change after it is first recorded (its identity and request are fixed)."""
COLUMNS = ("op_id", "org", "key_id", "idem_key", "request_hash", "identity", "channel", *MUTABLE[:-1], "created_at",
           "updated_at")


def schema(blob_type: str) -> list[str]:
    return [
        f"""CREATE TABLE IF NOT EXISTS operations (
            op_id TEXT PRIMARY KEY,
            org TEXT NOT NULL,
            key_id TEXT NOT NULL,
            idem_key TEXT,
            request_hash TEXT NOT NULL,
            identity TEXT NOT NULL,
            channel TEXT NOT NULL,
            state TEXT NOT NULL,
            txid TEXT,
            envelope {blob_type},
            attempts INTEGER NOT NULL,
            http_status INTEGER,
            response TEXT,
            validation_code TEXT,
            block_number BIGINT,
            created_at DOUBLE PRECISION NOT NULL,
            updated_at DOUBLE PRECISION NOT NULL,
            UNIQUE (org, key_id, idem_key)
        )""",
        "CREATE INDEX IF NOT EXISTS operations_txid ON operations (org, txid)",
        "CREATE INDEX IF NOT EXISTS operations_state ON operations (state)",
    ]


def insert_sql(ph: str) -> str:
    return (
        f"INSERT INTO operations ({', '.join(COLUMNS)}) VALUES ({', '.join([ph] * len(COLUMNS))}) "
        "ON CONFLICT (org, key_id, idem_key) DO NOTHING"
    )


def upsert_sql(ph: str) -> str:
    """Insert the whole row, or overwrite its mutable columns when ``op_id`` exists (an operation without
    Idempotency-Key is first written with its PREPARED envelope or its final answer: see ``SqliteStore``)."""
    return (
        f"INSERT INTO operations ({', '.join(COLUMNS)}) VALUES ({', '.join([ph] * len(COLUMNS))}) "
        f"ON CONFLICT (op_id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in MUTABLE)}"
    )


def update_sql(ph: str) -> str:
    return f"UPDATE operations SET {', '.join(f'{c} = {ph}' for c in MUTABLE)} WHERE op_id = {ph}"


def select_sql(where: str) -> str:
    return f"SELECT {', '.join(COLUMNS)} FROM operations WHERE {where}"


_RESPONSE_JSON = json.JSONEncoder(sort_keys=True).encode  # = json.dumps(..., sort_keys=True), encoder made once


def to_row(op: Operation) -> tuple[Any, ...]:
    return (
        op.op_id,
        op.org,
        op.key_id,
        op.idem_key,
        op.request_hash,
        op.identity,
        op.channel,
        op.state.value,
        op.txid,
        op.envelope,
        op.attempts,
        op.http_status,
        None if op.response is None else _RESPONSE_JSON(op.response),
        op.validation_code,
        op.block_number,
        op.created_at,
        op.updated_at,
    )


def mutable_row(op: Operation) -> tuple[Any, ...]:
    full = dict(zip(COLUMNS, to_row(op), strict=True))
    return tuple(full[c] for c in MUTABLE) + (op.op_id,)


def from_row(row: tuple[Any, ...]) -> Operation:
    d = dict(zip(COLUMNS, row, strict=True))
    return Operation(
        op_id=d["op_id"],
        org=d["org"],
        key_id=d["key_id"],
        idem_key=d["idem_key"],
        request_hash=d["request_hash"],
        identity=d["identity"],
        channel=d["channel"],
        state=OpState(d["state"]),
        txid=d["txid"],
        envelope=None if d["envelope"] is None else bytes(d["envelope"]),
        attempts=d["attempts"],
        http_status=d["http_status"],
        response=None if d["response"] is None else json.loads(d["response"]),
        validation_code=d["validation_code"],
        block_number=d["block_number"],
        created_at=d["created_at"],
        updated_at=d["updated_at"],
    )


def reopen_sql(ph: str) -> str:
    """Compare-and-set FAILED -> NEW, only for operations that never had an envelope (nothing was sent)."""
    return (
        f"UPDATE operations SET state = 'NEW', http_status = NULL, response = NULL, updated_at = {ph} "
        f"WHERE op_id = {ph} AND state = 'FAILED' AND envelope IS NULL"
    )
