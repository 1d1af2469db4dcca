"""Drive :mod:`scripts.benchkit.httpload` in its own process and measure it like an in-process run.

The CPU snapshots bracket exactly the child's closed loop (see the protocol in ``httpload``), so the REST path's
numbers cover the same window as the bare path's :func:`scripts.benchkit.measure.measured_run`, and the load
generator's own CPU appears as the process ``http-loadgen``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from typing import Any

from scripts.benchkit import cpu, profiling
from scripts.benchkit.httpload import API_KEY_ENV, run_result_from
from scripts.benchkit.loadgen import RunResult
from scripts.benchkit.network import REPO
from scripts.benchkit.restcost import HTTP_LOADGEN

READY_TIMEOUT_S = 60.0
DRAIN_ALLOWANCE_S = 120.0  # a worker started just before the window's end may wait up to the commit timeout
OUTPUT_LIMIT = 1 << 26  # the result line holds every raw latency


async def _line(proc: asyncio.subprocess.Process, wanted: str, timeout: float) -> bytes:
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), timeout)
    if wanted and line.strip() != wanted.encode():
        raise RuntimeError(f"httpload: expected {wanted!r}, got {line[:200]!r} (exit {proc.returncode})")
    return line


async def _say(proc: asyncio.subprocess.Process, word: str) -> None:
    assert proc.stdin is not None
    proc.stdin.write(f"{word}\n".encode())
    await proc.stdin.drain()


async def http_load_run(label: str, url: str, api_key: str, prefix: str, in_flight: int, args: argparse.Namespace,
                        pids: dict[str, int], profile: dict[str, Any], profile_this: bool,
                        examples: dict[str, str]) -> RunResult:
    """One REST run: ``in_flight`` keep-alive connections for ``args.warmup + args.duration`` seconds; CPU ms per
    transaction of every process in ``pids`` plus the load generator (py-spy profiled when asked). The first
    error answer per label lands in ``examples``."""
    argv = [sys.executable, "-m", "scripts.benchkit.httpload", "--url", url, "--in-flight", str(in_flight),
            "--duration", str(args.duration), "--warmup", str(args.warmup), "--prefix", prefix, "--label", label]
    env = dict(os.environ, **{API_KEY_ENV: api_key})  # never on the command line (ps shows it)
    proc = await asyncio.create_subprocess_exec(*argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                                                env=env, cwd=str(REPO), limit=OUTPUT_LIMIT)
    try:
        await _line(proc, "ready", READY_TIMEOUT_S)
        all_pids = {**pids, HTTP_LOADGEN: proc.pid}
        recorders = {}
        if profile_this and args.profile is not None:
            recorders = profiling.start(all_pids, args.profile, args.warmup + args.duration)
        before = cpu.snapshot(all_pids)
        await _say(proc, "go")
        await _line(proc, "done", args.warmup + args.duration + DRAIN_ALLOWANCE_S)
        after = cpu.snapshot(all_pids)
        await _say(proc, "report")
        doc = json.loads(await _line(proc, "", READY_TIMEOUT_S))
        await asyncio.wait_for(proc.wait(), READY_TIMEOUT_S)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    result = run_result_from(doc)
    result.cpu_ms_per_tx = cpu.per_transaction_ms(before, after, result.all_outcomes.total())
    for label_, text in doc["examples"].items():
        examples.setdefault(label_, text)
    if recorders:
        profiling.record_into(profile, recorders, args.profile, label)
    return result
