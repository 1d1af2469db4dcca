"""One measured closed-loop run with the CPU each benchmark process spent on it."""

from __future__ import annotations

import os

from scripts.benchkit import cpu, report
from scripts.benchkit.devnet import BenchNet
from scripts.benchkit.loadgen import Operation, RunResult, closed_loop


def benchmark_pids(net: BenchNet) -> dict[str, int]:
    """This client process and every peer of the benchmark network, by name."""
    return {"client": os.getpid(), **net.peer_pids()}


async def measured_run(
    label: str, in_flight: int, duration: float, warmup: float, op: Operation, pids: dict[str, int]
) -> RunResult:
    """:func:`closed_loop` with CPU milliseconds per transaction of each process in ``pids``."""
    before = cpu.snapshot(pids)
    result = await closed_loop(label, in_flight, duration, warmup, op)
    result.cpu_ms_per_tx = cpu.per_transaction_ms(before, cpu.snapshot(pids), result.all_outcomes.total())
    return result


def announce_machine() -> None:
    """Cores and Python version on stderr before a run (the numbers depend on both)."""
    machine = report.machine_info()
    report.progress(f"machine: {machine['cores']} cores, python {machine['python']}")
