"""A node process's exit code: 0 after a clean stop, 2 with a one-line reason when it cannot start."""

from __future__ import annotations

import pytest

from network.devnet.node.lifecycle import run_node_process


async def _stops_cleanly() -> None:
    return None


async def _fails_with(exc: Exception) -> None:
    raise exc


def test_clean_stop_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_node_process("peer", _stops_cleanly()) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("exc", [KeyError("Org9MSP"), FileNotFoundError("msp/signcerts"), ValueError("bad port")])
def test_startup_failure_exits_two_naming_the_node_kind(exc: Exception, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_node_process("orderer", _fails_with(exc)) == 2
    assert capsys.readouterr().err == f"orderer: {exc}\n"


def test_other_errors_propagate() -> None:
    with pytest.raises(RuntimeError, match="bug"):
        run_node_process("peer", _fails_with(RuntimeError("bug")))
