"""Closed-loop load: N workers, each issuing its next transaction as soon as the previous one finished.

A worker's operation returns an outcome label (``"VALID"``, a TxValidationCode name, or an error kind) and
the time the submit step started; the generator keeps every end-to-end and submit-to-commit latency so the
result file holds raw numbers, not only summaries. Outcomes finishing after the measuring window are dropped
from the counts, as are those finishing during the warm-up: throughput = completions inside the window.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from scripts.benchkit.stats import ms, percentile

# (worker index, sequence number within the worker) -> (outcome, monotonic time the submit started)
Operation = Callable[[int, int], Awaitable[tuple[str, float]]]


@dataclass
class RunResult:
    label: str
    in_flight: int
    duration_s: float
    outcomes: Counter[str] = field(default_factory=Counter)
    all_outcomes: Counter[str] = field(default_factory=Counter)  # warm-up and drain included (for audits)
    latencies_s: list[float] = field(default_factory=list)  # endorse -> commit status, VALID only
    submit_to_commit_s: list[float] = field(default_factory=list)  # submit -> commit status, VALID only
    slowest_s: float = 0.0  # slowest operation seen, counted or not (a stall shows here)
    drained_s: float = 0.0  # seconds from the window's end until the last worker finished
    cpu_ms_per_tx: dict[str, float] = field(default_factory=dict)  # process -> CPU ms per transaction

    @property
    def committed(self) -> int:
        return self.outcomes.get("VALID", 0)

    @property
    def total(self) -> int:
        return sum(self.outcomes.values())

    @property
    def tps(self) -> float:
        return self.committed / self.duration_s if self.duration_s else 0.0

    def rate(self, outcome: str) -> float:
        return self.outcomes.get(outcome, 0) / self.total if self.total else 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "label": self.label, "in_flight": self.in_flight, "duration_s": round(self.duration_s, 3),
            "committed": self.committed, "total": self.total, "committed_tps": round(self.tps, 2),
            "outcomes": dict(self.outcomes), "all_outcomes": dict(self.all_outcomes),
            "slowest_ms": ms(self.slowest_s), "drained_ms": ms(self.drained_s), "cpu_ms_per_tx": self.cpu_ms_per_tx,
            "latency_ms": {"p50": ms(percentile(self.latencies_s, 50)), "p99": ms(percentile(self.latencies_s, 99))},
            "submit_to_commit_ms": {"p50": ms(percentile(self.submit_to_commit_s, 50)),
                                    "p99": ms(percentile(self.submit_to_commit_s, 99))},
        }

    def raw(self) -> dict[str, Any]:
        return {"latencies_ms": [ms(x) for x in self.latencies_s],
                "submit_to_commit_ms": [ms(x) for x in self.submit_to_commit_s]}


async def closed_loop(
    label: str, in_flight: int, duration_s: float, warmup_s: float, operation: Operation
) -> RunResult:
    """Run ``in_flight`` workers for ``warmup_s + duration_s``; count the operations that finish inside the
    measuring window (the last ones started may finish after it and are dropped)."""
    if in_flight < 1:
        raise ValueError(f"in_flight: must be >= 1, got {in_flight}")
    result = RunResult(label, in_flight, duration_s)
    start = time.monotonic()
    window_start = start + warmup_s
    window_end = window_start + duration_s

    async def worker(index: int) -> None:
        seq = 0
        while time.monotonic() < window_end:
            began = time.monotonic()
            outcome, submitted = await operation(index, seq)
            finished = time.monotonic()
            seq += 1
            result.slowest_s = max(result.slowest_s, finished - began)
            result.all_outcomes[outcome] += 1
            if not window_start <= finished <= window_end:
                continue
            result.outcomes[outcome] += 1
            if outcome == "VALID":
                result.latencies_s.append(finished - began)
                result.submit_to_commit_s.append(finished - submitted)

    await asyncio.gather(*(worker(i) for i in range(in_flight)))
    result.drained_s = max(0.0, time.monotonic() - window_end)
    return result
