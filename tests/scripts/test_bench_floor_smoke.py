"""``scripts/bench_floor.py`` end to end with tiny parameters: real gRPC traffic, a real devnet, a result file."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench_runner import run_benchmark

from scripts.benchkit import floor


def test_requests_ask_for_their_answer_size() -> None:
    request = floor.ask(1234, 100)
    assert len(request) == 100 and len(floor.answer(request)) == 1234
    assert len(floor.ask(7, 0)) == 4  # the size prefix is never cut off


@pytest.mark.integration
def test_bench_floor_writes_results_side_by_side(tmp_path: Path) -> None:
    doc, stdout = run_benchmark("bench_floor.py", tmp_path, "--in-flight", "3", "--duration", "2",
                                "--warmup", "0.5")
    assert doc["benchmark"] == "bench_floor" and doc["parameters"]["devnet"] is True
    result = doc["result"]
    assert result["transport_ms_per_tx"]["client"] > 0 and result["transport_ms_per_tx"]["transport-server"] > 0
    assert result["signatures"]["verify_us"] > 0 and result["signatures"]["sign_us"] > 0
    assert result["floor_ms_per_tx"] == pytest.approx(
        result["transport_ms_per_tx"]["total"] + result["signatures"]["ms_per_tx"], abs=0.01)
    assert result["devnet_tps"] > 0 and result["devnet_ms_per_tx"]["total"] > 0
    assert result["devnet_vs_floor"] == pytest.approx(result["devnet_ms_per_tx"]["total"] / result["floor_ms_per_tx"],
                                                      rel=0.01)
    assert len(doc["pattern"]["unary_tls"]) == 4 and doc["pattern"]["verifies"] == floor.VERIFIES_PER_TX
    assert "of the floor" in stdout and "result file:" in stdout
