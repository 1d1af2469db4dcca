"""Group commit of the SQLite store (``gateway/store/batch_writer.py``) against a real SQLite file."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest

from gateway.store.batch_writer import BatchWriter
from gateway.store.model import Operation, OpState, StoreError, new_operation, request_hash
from gateway.store.sqlite_store import SqliteStore


def _writer(tmp_path: Path) -> BatchWriter:
    db = sqlite3.connect(str(tmp_path / "w.db"), check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)")
    return BatchWriter(db)


def _insert(k: str, v: int | None):  # type: ignore[no-untyped-def]
    return lambda db: db.execute("INSERT INTO t VALUES (?, ?)", (k, v)).rowcount


def test_a_failing_job_fails_alone_and_leaves_no_trace(tmp_path: Path) -> None:
    writer = _writer(tmp_path)
    gate = threading.Event()
    # a job holding the writer thread, so the next three queue up and run as one batch
    blocker = threading.Thread(target=writer.call, args=(lambda db: gate.wait(5),))
    blocker.start()

    async def burst() -> list[object]:
        calls = [writer.call_async(_insert("a", 1)), writer.call_async(_insert("b", None)),  # NOT NULL violated
                 writer.call_async(_insert("c", 3))]
        await asyncio.sleep(0.05)
        gate.set()
        return await asyncio.gather(*calls, return_exceptions=True)

    outcomes = asyncio.run(burst())
    blocker.join()
    assert outcomes[0] == 1 and outcomes[2] == 1
    assert isinstance(outcomes[1], sqlite3.IntegrityError)
    assert writer.call(lambda db: db.execute("SELECT k FROM t ORDER BY k").fetchall()) == [("a",), ("c",)]
    writer.close()


def test_a_durable_job_makes_its_batch_commit_with_a_full_sync(tmp_path: Path) -> None:
    writer = _writer(tmp_path)
    mode = "PRAGMA synchronous"  # 1 = NORMAL, 2 = FULL
    assert writer.call(lambda db: db.execute(mode).fetchone()[0]) != 2
    assert writer.call(lambda db: db.execute(mode).fetchone()[0], durable=True) == 2
    assert writer.call(lambda db: db.execute(mode).fetchone()[0]) != 2
    writer.close()


def test_jobs_run_in_queue_order_and_close_drains_them(tmp_path: Path) -> None:
    writer = _writer(tmp_path)

    async def many() -> list[object]:
        calls = [writer.call_async(_insert(f"k{i:03d}", i)) for i in range(300)]  # more than one batch
        calls.append(writer.call_async(lambda db: db.execute("SELECT count(*) FROM t").fetchone()[0]))
        return await asyncio.gather(*calls)

    results = asyncio.run(many())
    assert results[-1] == 300  # the read queued last saw every write queued before it
    writer.close()
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        writer.call(lambda db: None)


def test_store_async_calls_match_the_blocking_ones(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "ops.db")
    ops = [new_operation("Org1", "k", f"i{i}", request_hash("POST", "/x", i), "alice", "ch") for i in range(20)]

    async def scenario() -> None:
        claims = await asyncio.gather(*(store.claim_async(op) for op in ops))
        assert all(created for _, created in claims)
        again, created = await store.claim_async(ops[0].evolve())
        assert not created and again.op_id == ops[0].op_id
        await asyncio.gather(*(store.save_async(op.evolve(state=OpState.PREPARED, txid=f"{i:064x}", envelope=b"e"))
                               for i, op in enumerate(ops)))
        got = await store.get_async("Org1", ops[3].op_id)
        assert got is not None and got.state == OpState.PREPARED and got.envelope == b"e"
        assert await store.get_async("Org2", ops[3].op_id) is None

    asyncio.run(scenario())
    assert len(store.unfinished()) == 20
    store.close()
    reopened = SqliteStore(tmp_path / "ops.db")  # every write committed to the file
    assert {op.op_id for op in reopened.unfinished()} == {op.op_id for op in ops}
    reopened.close()


def test_the_prepared_write_refuses_when_the_row_is_missing(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "ops.db")
    never_claimed = new_operation("Org1", "k", "idem-1", "h", "alice", "ch")  # keyed: its claim must exist
    store.save(never_claimed.evolve(state=OpState.COMMITTED))  # nothing to update: harmless for any other state
    with pytest.raises(StoreError, match="no stored row"):
        store.save(never_claimed.evolve(state=OpState.PREPARED, txid="ab" * 32, envelope=b"e"))
    store.close()


def test_an_unkeyed_operation_is_first_written_by_its_first_save(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "ops.db")
    op = new_operation("Org1", "k", None, "h", "alice", "ch")

    async def scenario() -> tuple[Operation | None, Operation | None]:
        assert await store.claim_async(op) == (op, True)
        before = await store.get_async("Org1", op.op_id)
        await store.save_async(op.evolve(state=OpState.PREPARED, txid="ab" * 32, envelope=b"e", attempts=1))
        return before, await store.get_async("Org1", op.op_id)

    before, after = asyncio.run(scenario())
    assert before is None  # nobody knows the id yet: nothing to write
    assert after is not None and after.state == OpState.PREPARED and after.envelope == b"e" and after.attempts == 1
    store.close()


def test_a_posted_job_runs_in_order_and_its_failure_is_logged(tmp_path: Path,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    writer = _writer(tmp_path)
    writer.post(_insert("a", 1))
    writer.post(lambda db: db.execute("INSERT INTO nowhere VALUES (1)"))
    assert writer.call(lambda db: db.execute("SELECT k FROM t").fetchall()) == [("a",)]
    writer.post(_insert("b", 2))  # nothing awaited behind it: written within POST_DELAY_S anyway
    writer.close()
    assert any(r.message == "queued store write failed" for r in caplog.records)
    db = sqlite3.connect(str(tmp_path / "w.db"))
    assert db.execute("SELECT k FROM t ORDER BY k").fetchall() == [("a",), ("b",)]
    db.close()


def test_unkeyed_claim_and_final_answer_are_queued_yet_seen_by_later_calls(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "ops.db")
    op = new_operation("Org1", "k", None, "h", "alice", "ch")

    async def scenario() -> Operation | None:
        assert await store.claim_async(op) == (op, True)
        prepared = op.evolve(state=OpState.PREPARED, txid="ab" * 32, envelope=b"e")
        await store.save_async(prepared)
        await store.save_soon(prepared.evolve(state=OpState.COMMITTED, http_status=200, response={"ok": True}))
        return await store.get_async("Org1", op.op_id)

    seen = asyncio.run(scenario())
    assert seen is not None and seen.state == OpState.COMMITTED and seen.envelope == b"e"
    store.close()
    reopened = SqliteStore(tmp_path / "ops.db")
    assert reopened.get("Org1", op.op_id) == seen  # close drained the queue to the file
    reopened.close()


def test_the_app_shutdown_writes_the_queued_final_answers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient
    from svc_support import auth, build_world

    from gateway.service.app import create_app
    from gateway.store import batch_writer

    monkeypatch.setattr(batch_writer, "POST_DELAY_S", 60.0)  # queued jobs would wait a minute on their own
    world = build_world(tmp_path)
    with TestClient(create_app(world.runtime, recover_on_start=False)) as client:
        answer = client.post("/v1/orgs/Org1/submit", json={"function": "Mint"}, headers=auth(world.keys["org1-full"]))
        assert answer.status_code == 200, answer.text
    db = sqlite3.connect(str(tmp_path / "store.db"))  # another connection: sees only what was committed
    assert db.execute("SELECT state, http_status FROM operations").fetchall() == [("COMMITTED", 200)]
    db.close()
    world.runtime.close()


def test_operation_ids_are_unguessable_and_sort_by_creation_time(monkeypatch: pytest.MonkeyPatch) -> None:
    from gateway.store import model

    clock = iter([1_700_000_000.001, 1_700_000_000.002, 1_700_000_000.002])
    monkeypatch.setattr(model.time, "time", lambda: next(clock))
    first, second, third = model.new_operation_id(), model.new_operation_id(), model.new_operation_id()
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in (first, second, third))
    assert first < second and first[:12] < second[:12]  # later millisecond, later id: the index grows at its end
    assert second[:12] == third[:12] and second[12:] != third[12:]  # same millisecond: 80 random bits differ
