"""``scripts/bench_devnet.py`` end to end with tiny parameters: a real devnet, a real result file."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench_runner import run_benchmark


@pytest.mark.integration
def test_bench_devnet_writes_results(tmp_path: Path) -> None:
    doc, stdout = run_benchmark("bench_devnet.py", tmp_path, "--in-flight", "1,3", "--duration", "2",
                                "--warmup", "0.5", "--orgs", "3")
    assert doc["benchmark"] == "bench_devnet"
    assert doc["parameters"]["in_flight"] == [1, 3] and doc["parameters"]["orgs"] == 3
    assert doc["machine"]["cores"] >= 1 and doc["machine"]["python"]
    assert [r["label"] for r in doc["results"]] == ["N=1", "N=3"]
    for result in doc["results"]:
        assert result["committed"] > 0, result
        assert result["committed_tps"] > 0
        assert result["latency_ms"]["p50"] <= result["latency_ms"]["p99"]
        assert len(doc["raw"][result["label"]]["latencies_ms"]) == result["committed"]
        assert result["cpu_ms_per_tx"]["total"] > 0
        assert {"client", "orderer0.example.com", "peer0.org1.example.com"} <= set(result["cpu_ms_per_tx"])
    assert doc["ratios"]["N=1"]["tps_vs_first_level"] == 1.0
    assert doc["ratios"]["N=3"]["tps_vs_target"] > 0
    assert "x target" in stdout and "result file:" in stdout
