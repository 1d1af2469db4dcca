"""One suite, two stores: embedded SQLite and a real PostgreSQL server started for the test session."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from gateway.store.model import Operation, OperationStore, OpState, new_operation, request_hash
from gateway.store.open_store import open_store


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.integration)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OperationStore]:
    if request.param == "sqlite":
        s = open_store(f"sqlite:///{tmp_path / 'ops.db'}")
    else:
        url = request.getfixturevalue("pg_url")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP TABLE IF EXISTS operations")
        s = open_store(url)
    yield s
    s.close()


def _op(org: str = "Org1", key: str = "k1", idem: str | None = "i1", body: str = "b") -> Operation:
    return new_operation(org, key, idem, request_hash("POST", "/x", body), "alice", "mychannel")


def test_claim_is_unique_per_org_key_and_idempotency_key(store: OperationStore) -> None:
    first, created = store.claim(_op())
    assert created
    again, created = store.claim(_op(body="other"))
    assert not created and again.op_id == first.op_id and again.request_hash == first.request_hash
    assert store.claim(_op(key="k2"))[1]
    assert store.claim(_op(org="Org2"))[1]
    assert store.claim(_op(idem=None))[1] and store.claim(_op(idem=None))[1]  # no key: never deduplicated


def test_envelope_and_result_round_trip(store: OperationStore) -> None:
    op, _ = store.claim(_op())
    envelope = bytes(range(256)) * 4
    store.save(op.evolve(state=OpState.PREPARED, txid="ab" * 32, envelope=envelope, attempts=1))
    got = store.get("Org1", op.op_id)
    assert got is not None and got.envelope == envelope and got.state == OpState.PREPARED and got.attempts == 1
    store.save(
        got.evolve(
            state=OpState.COMMITTED,
            http_status=200,
            response={"result": {"a": [1, "x"]}},
            validation_code="VALID",
            block_number=2**40,
        )
    )
    done = store.get_by_txid("Org1", "ab" * 32)
    assert done is not None and done.response == {"result": {"a": [1, "x"]}} and done.block_number == 2**40


def test_reads_are_scoped_to_the_org(store: OperationStore) -> None:
    op, _ = store.claim(_op(org="Org2"))
    store.save(op.evolve(txid="cd" * 32))
    assert store.get("Org1", op.op_id) is None
    assert store.get_by_txid("Org1", "cd" * 32) is None
    assert store.get("Org2", op.op_id) is not None


def test_unfinished_lists_only_open_operations(store: OperationStore) -> None:
    states = [OpState.NEW, OpState.PREPARED, OpState.SUBMITTED, OpState.COMMITTED, OpState.FAILED]
    ids = {}
    for i, state in enumerate(states):
        op, _ = store.claim(_op(idem=f"i{i}"))
        store.save(op.evolve(state=state))
        ids[state] = op.op_id
    assert {o.op_id for o in store.unfinished()} == {ids[OpState.NEW], ids[OpState.PREPARED], ids[OpState.SUBMITTED]}


def test_concurrent_claims_have_one_winner(store: OperationStore) -> None:
    winners: list[bool] = []
    lock = threading.Lock()

    def claim() -> None:
        _, created = store.claim(_op(idem="race"))
        with lock:
            winners.append(created)

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert winners.count(True) == 1 and len(winners) == 8


@pytest.mark.integration
def test_two_postgres_replicas_share_one_claim(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS operations")
    a, b = open_store(pg_url), open_store(pg_url)
    try:
        first, created_a = a.claim(_op(idem="shared"))
        second, created_b = b.claim(_op(idem="shared"))
        assert created_a and not created_b and second.op_id == first.op_id
    finally:
        a.close()
        b.close()


def test_bad_store_url_names_the_field() -> None:
    with pytest.raises(ValueError, match="store.url"):
        open_store("mysql://x")


def test_reopen_only_failed_operations_without_envelope(store: OperationStore) -> None:
    op, _ = store.claim(_op(idem="r1"))
    assert not store.reopen(op)  # NEW: nothing to reopen
    store.save(op.evolve(state=OpState.FAILED, http_status=503, response={"status": 503}))
    assert store.reopen(op)
    assert not store.reopen(op)  # exactly one winner
    reopened = store.get("Org1", op.op_id)
    assert reopened is not None and reopened.state == OpState.NEW and reopened.response is None
    sent, _ = store.claim(_op(idem="r2"))
    store.save(sent.evolve(state=OpState.FAILED, envelope=b"env", http_status=503))
    assert not store.reopen(sent)
