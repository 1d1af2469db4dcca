"""``scripts/bench_hot_account.py`` end to end with tiny parameters: both designs on one real devnet."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench_runner import run_benchmark


@pytest.mark.integration
def test_bench_hot_account_writes_results(tmp_path: Path) -> None:
    doc, stdout = run_benchmark("bench_hot_account.py", tmp_path, "--in-flight", "4", "--duration", "3",
                                "--warmup", "0.5")
    assert doc["benchmark"] == "bench_hot_account"
    delta, naive = doc["results"]
    assert delta["label"].startswith("delta") and naive["label"].startswith("naive")
    # the delta design's point: concurrent credits into one account never conflict
    assert delta["committed"] > 0 and delta["conflict_rate"] == 0.0, delta
    assert doc["target_met"] is True
    assert naive["total"] > 0
    # every VALID transfer moved exactly one unit into the hot account, in both designs
    assert doc["audit"]["delta"]["consistent"] and doc["audit"]["naive"]["consistent"], doc["audit"]
    assert doc["audit"]["delta"]["hot_balance"] >= delta["committed"]
    assert doc["ratios"]["committed_tps_delta_vs_naive"] is not None
    assert "delta vs naive" in stdout
