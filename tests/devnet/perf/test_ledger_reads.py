"""Ledger reads use their own SQLite connection: they see only committed blocks and do not queue behind a
commit in progress (whose fsync can take milliseconds while endorsements wait)."""

from __future__ import annotations

import threading
from pathlib import Path

from fabric_protos.common import common_pb2

from devnet.fixtures.txs import make_block
from network.devnet.ledger.store import Ledger


def open_ledger(path: Path) -> Ledger:
    genesis = make_block(0, None, [common_pb2.Envelope(payload=b"config").SerializeToString()])
    return Ledger.open(path / "ledger", genesis)


def test_reads_do_not_see_a_commit_in_progress(tmp_path: Path) -> None:
    ledger = open_ledger(tmp_path)
    writer = ledger._conn  # the committer's connection, mid-transaction below
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO state VALUES ('cc', CAST('k' AS BLOB), CAST('v' AS BLOB), 9, 0, x'')")
    writer.execute("INSERT INTO blocks (num, hash, data) VALUES (1, x'00', x'')")
    try:
        assert ledger.get_state("cc", "k") is None
        assert ledger.height == 1
    finally:
        writer.execute("ROLLBACK")
    ledger.close()


def test_reads_proceed_while_the_commit_lock_is_held(tmp_path: Path) -> None:
    ledger = open_ledger(tmp_path)
    held, release = threading.Event(), threading.Event()

    def committer() -> None:
        with ledger._lock:  # what Ledger.commit holds for the whole block, fsync included
            held.set()
            release.wait()

    thread = threading.Thread(target=committer)
    thread.start()
    try:
        assert held.wait(30)
        got: list[object] = []
        reader = threading.Thread(target=lambda: got.append(ledger.height))
        reader.start()
        reader.join(30)  # liveness bound only: with a shared lock this read would wait for `release`
        assert got == [1], "a read waited for the commit lock"
    finally:
        release.set()
        thread.join()
    ledger.close()
