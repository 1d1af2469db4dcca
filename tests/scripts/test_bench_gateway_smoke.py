"""``scripts/bench_gateway.py`` end to end with tiny parameters: devnet, the REST gateway process, the HTTP load
generator process, both paths in two alternating rounds."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench_runner import run_benchmark


@pytest.mark.integration
def test_bench_gateway_writes_results(tmp_path: Path) -> None:
    doc, stdout = run_benchmark("bench_gateway.py", tmp_path, "--in-flight", "3", "--duration", "2",
                                "--warmup", "0.5", "--rounds", "2")
    assert doc["benchmark"] == "bench_gateway"
    # round 1 bare first, round 2 REST first
    assert [r["label"] for r in doc["results"]] == ["bare N=3 #1", "rest N=3 #1", "rest N=3 #2", "bare N=3 #2"]
    runs = {r["label"]: r for r in doc["results"]}
    for run in runs.values():
        assert run["committed"] > 0, doc["error_examples"]
        assert run["total"] == run["committed"], doc["error_examples"]
    bare, rest = runs["bare N=3 #1"], runs["rest N=3 #1"]
    # the REST process did the Fabric work of the REST run, and none of the bare run; the HTTP load generator
    # is its own process, measured only in REST runs; the bare client is this benchmark's process
    assert rest["cpu_ms_per_tx"]["rest-gateway"] > bare["cpu_ms_per_tx"]["rest-gateway"]
    assert rest["cpu_ms_per_tx"]["http-loadgen"] > 0 and "http-loadgen" not in bare["cpu_ms_per_tx"]
    assert bare["cpu_ms_per_tx"]["client"] > rest["cpu_ms_per_tx"]["client"]
    level = doc["ratios"]["N=3"]
    assert sorted(level["rounds"]) == ["1", "2"]
    assert level["tps_rest_vs_bare"] > 0 and level["p50_latency_rest_vs_bare"] > 0
    assert level["throughput_overhead"] == pytest.approx(1 - level["tps_rest_vs_bare"], abs=1e-3)
    assert level["rest_process_cpu_ms_per_tx"] > 0 and level["bare_client_cpu_ms_per_tx"] > 0
    assert isinstance(level["target_met"], bool)
    assert "REST/bare" in stdout and "median of 2" in stdout
