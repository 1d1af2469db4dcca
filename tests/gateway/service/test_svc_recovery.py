"""Crash safety: the envelope is stored before it is sent, and recovery settles what a crash left open.

The "crash" is simulated at the two interesting points by stopping the engine exactly there (the store is
the real SQLite/PostgreSQL store; the Fabric side is the FabricPort double that records what was sent).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from svc_support import World, build_world

from gateway.service import submission
from gateway.service.fabric_port import SigningIdentity, TxRequest
from gateway.service.port_adapter import BlockingPortAdapter
from gateway.service.recovery import recover
from gateway.store.model import OpState, new_operation
from gateway.store.open_store import open_store


class Crash(BaseException):
    """Stands for kill -9: nothing after the crash point runs."""


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.integration)])
def crash_world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    store = None
    if request.param == "postgres":
        url = request.getfixturevalue("pg_url")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP TABLE IF EXISTS operations")
        store = open_store(url)
    w = build_world(tmp_path, store)
    yield w
    w.runtime.close()


def _prepared_then_crash(world: World, crash_after_send: bool) -> str:
    """Run the engine until the envelope is stored (and optionally sent), then crash."""
    rt = world.runtime
    fake = world.fakes["Org1"]
    who = rt.wallet.entry("org1-alice")
    signer = SigningIdentity("org1-alice", who.identity, rt.wallet.signer("org1-alice"))
    op, _ = rt.store.claim(new_operation("Org1", "k", "idem", "h", "org1-alice", "mychannel"))
    real_submit = fake.submit

    def crashing_submit(w: SigningIdentity, prepared: object) -> None:
        if crash_after_send:
            real_submit(w, prepared)  # type: ignore[arg-type]
        raise Crash

    fake.submit = crashing_submit  # type: ignore[method-assign]
    with pytest.raises(Crash):
        port = BlockingPortAdapter(fake, inline=True)
        asyncio.run(submission.attempt(rt, port, signer, TxRequest("mychannel", "assets", "Transfer", ("c1",)), op))
    fake.submit = real_submit  # type: ignore[method-assign]
    return op.op_id


@pytest.mark.parametrize("crash_after_send", [False, True])
def test_recovery_resends_the_same_envelope(crash_world: World, crash_after_send: bool) -> None:
    rt, fake = crash_world.runtime, crash_world.fakes["Org1"]
    op_id = _prepared_then_crash(crash_world, crash_after_send)
    stored = rt.store.get("Org1", op_id)
    assert stored is not None and stored.state == OpState.PREPARED and stored.envelope
    assert len(fake.submitted) == (1 if crash_after_send else 0)

    assert recover(rt) == 1
    final = rt.store.get("Org1", op_id)
    assert final is not None and final.state == OpState.COMMITTED and final.validation_code == "VALID"
    # Only ever the stored bytes are sent: same envelope, same txid, so Fabric applies it at most once.
    assert set(fake.submitted) == {stored.envelope}
    assert final.txid == stored.txid
    assert rt.store.unfinished() == []


def test_recovery_fails_operations_that_never_signed(crash_world: World) -> None:
    rt = crash_world.runtime
    op, _ = rt.store.claim(new_operation("Org1", "k", "idem", "h", "org1-alice", "mychannel"))
    recover(rt)
    final = rt.store.get("Org1", op.op_id)
    assert final is not None and final.state == OpState.FAILED and final.http_status == 503
    assert crash_world.total_signatures() == 0 and crash_world.fakes["Org1"].submitted == []


def test_recovery_leaves_fresh_operations_of_live_replicas_alone(crash_world: World) -> None:
    rt = crash_world.runtime
    op, _ = rt.store.claim(new_operation("Org1", "k", "idem", "h", "org1-alice", "mychannel"))
    assert recover(rt, grace=3600) == 0
    current = rt.store.get("Org1", op.op_id)
    assert current is not None and current.state == OpState.NEW


def test_recovery_runs_at_app_startup(crash_world: World) -> None:
    from fastapi.testclient import TestClient

    from gateway.service.app import create_app

    op_id = _prepared_then_crash(crash_world, crash_after_send=False)
    with TestClient(create_app(crash_world.runtime)):
        pass
    final = crash_world.runtime.store.get("Org1", op_id)
    assert final is not None and final.state == OpState.COMMITTED
