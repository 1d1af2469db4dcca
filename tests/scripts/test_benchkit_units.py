"""The benchmark helpers' pure parts: statistics, tables, profile summaries, CPU accounting, arguments."""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path

import pytest

from network.spec import parse_spec
from network.spec.ports import planned_ports
from scripts.benchkit import cpu, profiling, report
from scripts.benchkit.loadgen import closed_loop
from scripts.benchkit.network import REPO, bench_spec_data
from scripts.benchkit.stats import percentile, ratio


def test_percentile_is_nearest_rank() -> None:
    samples = [5.0, 1.0, 4.0, 2.0, 3.0]
    assert percentile(samples, 50) == 3.0
    assert percentile(samples, 99) == 5.0
    assert percentile(samples, 0) == 1.0
    assert percentile([], 50) is None
    with pytest.raises(ValueError, match="p: must be within"):
        percentile(samples, 101)


def test_ratio_guards_missing_denominators() -> None:
    assert ratio(150.0, 300.0) == 0.5
    assert ratio(1.0, 0.0) is None
    assert ratio(None, 2.0) is None


def test_table_aligns_columns() -> None:
    text = report.table(["name", "tx/s"], [["a", 1.5], ["long-name", None]])
    lines = text.splitlines()
    assert len({len(line) for line in lines}) == 1
    assert lines[2].endswith("1.50") and lines[3].endswith("-")


def test_write_result_names_file_after_benchmark(tmp_path: Path) -> None:
    path = report.write_result("bench_x", {"a": 1}, tmp_path)
    assert path.parent == tmp_path and path.name.startswith("bench_x-") and path.suffix == ".json"
    assert not list(tmp_path.glob("*.tmp"))


def test_hotspots_attribute_to_deepest_project_frame(tmp_path: Path) -> None:
    ours = f"{REPO}/network/devnet/orderer/recordfile.py"
    folded = tmp_path / "orderer.folded"
    folded.write_text(
        f"main ({REPO}/network/devnet/orderer/__main__.py:9);append ({ours}:58);fsync (<built-in>:0) 30\n"
        f"main ({REPO}/network/devnet/orderer/__main__.py:9);select (/usr/lib/python3.11/selectors.py:468) 10\n"
    )
    spots = profiling.hotspots(folded)
    assert spots["samples"] == 40
    assert spots["project"][0] == {"function": "append (orderer/recordfile.py)", "samples": 30, "pct": 75.0}
    assert spots["own"][0] == {"function": "fsync (<built-in>)", "samples": 30, "pct": 75.0}
    assert {s["function"] for s in spots["inclusive"]} == {"main (orderer/__main__.py)",
                                                           "append (orderer/recordfile.py)"}


def test_cpu_per_transaction() -> None:
    before = {"peer": 1.0, "orderer": 2.0}
    after = {"peer": 1.5, "orderer": 2.1, "gone-before": 9.0}
    per_tx = cpu.per_transaction_ms(before, after, 100)
    assert per_tx == {"orderer": 1.0, "peer": 5.0, "total": 6.0}
    assert cpu.per_transaction_ms(before, after, 0) == {}
    assert (cpu.cpu_seconds(os.getpid()) or 0.0) > 0.0


def test_bench_spec_is_valid_and_shifted() -> None:
    spec = parse_spec(bench_spec_data(3, 20, 50, 30000), "test")
    assert spec.base_port == 30000
    assert [o.msp_id for o in spec.member_orgs] == ["Org1MSP", "Org2MSP", "Org3MSP"]
    ports = planned_ports(spec)
    assert ports and min(ports) >= 30000 and len(ports) == len(set(ports))
    with pytest.raises(ValueError, match="orgs: must be"):
        bench_spec_data(9, 20, 50, 30000)


def test_closed_loop_counts_only_the_window() -> None:
    async def op(worker: int, seq: int) -> tuple[str, float]:
        await asyncio.sleep(0.01)
        return ("VALID" if seq % 2 == 0 else "MVCC_READ_CONFLICT"), 0.0

    result = asyncio.run(closed_loop("t", 2, 0.3, 0.1, op))
    assert result.committed > 0 and result.outcomes["MVCC_READ_CONFLICT"] > 0
    assert result.all_outcomes.total() > result.total
    assert len(result.latencies_s) == result.committed
    with pytest.raises(ValueError, match="in_flight"):
        asyncio.run(closed_loop("t", 0, 0.1, 0.0, op))


def test_in_flight_levels_parsing() -> None:
    import scripts.bench_devnet as bench_devnet

    assert bench_devnet.in_flight_levels("1, 10,50") == [1, 10, 50]
    with pytest.raises(argparse.ArgumentTypeError, match="--in-flight"):
        bench_devnet.in_flight_levels("1,x")
    with pytest.raises(argparse.ArgumentTypeError, match="--in-flight"):
        bench_devnet.in_flight_levels("0")
