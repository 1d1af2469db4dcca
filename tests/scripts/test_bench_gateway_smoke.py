"""``scripts/bench_gateway.py`` end to end with tiny parameters: devnet, the REST gateway process, both paths."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench_runner import run_benchmark


@pytest.mark.integration
def test_bench_gateway_writes_results(tmp_path: Path) -> None:
    doc, stdout = run_benchmark("bench_gateway.py", tmp_path, "--in-flight", "3", "--duration", "2",
                                "--warmup", "0.5")
    assert doc["benchmark"] == "bench_gateway"
    assert [r["label"] for r in doc["results"]] == ["bare N=3", "rest N=3"]
    bare, rest = doc["results"]
    assert bare["committed"] > 0 and rest["committed"] > 0, doc["error_examples"]
    assert bare["total"] == bare["committed"] and rest["total"] == rest["committed"], doc["error_examples"]
    # the REST process did the Fabric work of the REST run, and none of the bare run
    assert rest["cpu_ms_per_tx"]["rest-gateway"] > bare["cpu_ms_per_tx"]["rest-gateway"]
    level = doc["ratios"]["N=3"]
    assert level["tps_rest_vs_bare"] > 0 and level["p50_latency_rest_vs_bare"] > 0
    assert level["throughput_overhead"] == pytest.approx(1 - level["tps_rest_vs_bare"], abs=1e-3)
    assert isinstance(level["target_met"], bool)
    assert "REST/bare" in stdout
