"""One measured closed-loop run with the CPU each benchmark process spent on it (optionally py-spy profiled)."""

from __future__ import annotations

import argparse
import os
from typing import Any

from scripts.benchkit import cpu, profiling, report
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


async def profiled_run(
    label: str, in_flight: int, args: argparse.Namespace, op: Operation, pids: dict[str, int],
    profile: dict[str, Any], profile_this: bool,
) -> RunResult:  # fmt: skip
    """:func:`measured_run` with ``args.duration``/``args.warmup``; when ``profile_this`` (and ``--profile`` was
    given) every process in ``pids`` is sampled by py-spy meanwhile and the hotspots land in ``profile``."""
    recorders = {}
    if profile_this and args.profile is not None:
        recorders = profiling.start(pids, args.profile, args.warmup + args.duration)
    result = await measured_run(label, in_flight, args.duration, args.warmup, op, pids)
    if recorders:
        profiling.record_into(profile, recorders, args.profile, result.label)
    return result
