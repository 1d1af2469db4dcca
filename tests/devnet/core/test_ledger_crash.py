"""Crash safety: SIGKILL a committing process, reopen, and check the ledger equals a replay of its blocks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from network.configtx.block import block_header_hash
from network.devnet.ledger.store import Ledger

ROOT = Path(__file__).resolve().parents[3]
WRITER_ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}


def _state(ledger: Ledger) -> list[tuple[str, bytes, object, dict[str, bytes]]]:
    return [(k, v.value, v.version, v.metadata) for k, v in ledger.range("cc", "", "")]


@pytest.mark.integration
@pytest.mark.parametrize("kill_after", [3, 8])
def test_kill_mid_commit_then_recover(tmp_path: Path, kill_after: int) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "devnet.fixtures.crashwriter", str(tmp_path / "crashed")],
        stdout=subprocess.PIPE,
        text=True,
        env=WRITER_ENV,
    )
    assert proc.stdout is not None
    for _ in range(kill_after):
        assert proc.stdout.readline(), "writer died before committing"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)

    crashed = Ledger.open(tmp_path / "crashed")
    height = crashed.height
    assert height >= kill_after
    blocks = [crashed.get_block(n) for n in range(height)]
    for prev, block in zip(blocks, blocks[1:], strict=False):
        assert block.header.previous_hash == block_header_hash(prev.header)

    replay = Ledger.open(tmp_path / "replay", blocks[0])
    for block in blocks[1:]:
        fresh = type(block)()
        fresh.CopyFrom(block)
        fresh.metadata.metadata[4] = b""
        replay.commit(fresh)
        assert fresh.metadata.metadata[4] == block.metadata.metadata[4]  # same commit-hash chain
    assert _state(replay) == _state(crashed) and _state(crashed)
    assert replay.last_commit_hash() == crashed.last_commit_hash()
