"""What the REST layer costs, from paired runs (bare client library vs REST gateway) at each in-flight level.

Runs are labelled ``<path> N=<level> #<round>``. Each round of a level holds one bare and one REST run back to
back; the order alternates between rounds (and levels) so slow drift of the shared machine favours neither
path. Every ratio is computed within a round, and a level reports the median over its rounds (with two
rounds: their mean) - a ratio of two runs minutes apart would mostly measure the neighbours' load.

CPU is compared per committed-or-failed transaction (``loadgen.RunResult.cpu_ms_per_tx``), by process:
``rest_process_vs_bare_client`` puts the REST gateway process (HTTP server, auth, store, signing, gRPC)
against the bare path's client process (signing, gRPC): the server-side price of the REST layer.
``total_*`` is every measured process of the path (peers, orderer, chaincode, clients, the HTTP load
generator for REST): on a saturated machine throughput follows it, so its ratio explains the tx/s ratio.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

from scripts.benchkit.loadgen import RunResult
from scripts.benchkit.stats import ratio

TARGET_OVERHEAD = 0.10
BARE_CLIENT = "client"  # the benchmark process: bare path's client library
REST_PROCESS = "rest-gateway"
HTTP_LOADGEN = "http-loadgen"


def run_label(path: str, level: int, round_no: int) -> str:
    return f"{path} N={level} #{round_no}"


def split_label(label: str) -> tuple[str, str, str]:
    """``rest N=50 #2`` -> (``rest``, ``N=50``, ``2``)."""
    path, level, round_no = label.split(" ")
    return path, level, round_no.removeprefix("#")


def round_order(level_index: int, round_no: int) -> tuple[str, str]:
    """Which path runs first (rounds count from 1): bare in the first level's first round, then alternating by
    round and by level, so neither path always runs first (or right after the other's warm machine)."""
    return ("bare", "rest") if (level_index + round_no - 1) % 2 == 0 else ("rest", "bare")


def _median(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 4) if present else None


def round_ratios(bare: RunResult, rest: RunResult) -> dict[str, float | None]:
    """REST/bare ratios of one round (None where a run had no samples)."""
    b, r = bare.summary(), rest.summary()
    return {
        "tps_rest_vs_bare": ratio(rest.tps, bare.tps),
        "p50_latency_rest_vs_bare": ratio(r["latency_ms"]["p50"], b["latency_ms"]["p50"]),
        "p99_latency_rest_vs_bare": ratio(r["latency_ms"]["p99"], b["latency_ms"]["p99"]),
        "rest_process_cpu_ms_per_tx": rest.cpu_ms_per_tx.get(REST_PROCESS),
        "bare_client_cpu_ms_per_tx": bare.cpu_ms_per_tx.get(BARE_CLIENT),
        "http_loadgen_cpu_ms_per_tx": rest.cpu_ms_per_tx.get(HTTP_LOADGEN),
        "rest_process_vs_bare_client": ratio(rest.cpu_ms_per_tx.get(REST_PROCESS),
                                             bare.cpu_ms_per_tx.get(BARE_CLIENT)),
        "total_cpu_ms_per_tx_rest": rest.cpu_ms_per_tx.get("total"),
        "total_cpu_ms_per_tx_bare": bare.cpu_ms_per_tx.get("total"),
        "total_cpu_rest_vs_bare": ratio(rest.cpu_ms_per_tx.get("total"), bare.cpu_ms_per_tx.get("total")),
    }


def target_met(tps_ratio: float | None, p50_ratio: float | None) -> bool:
    """Issue 6: the REST path loses under 10 % throughput and adds under 10 % to median latency."""
    return (tps_ratio is not None and p50_ratio is not None
            and 1 - tps_ratio < TARGET_OVERHEAD and p50_ratio - 1 < TARGET_OVERHEAD)


def level_ratios(results: Sequence[RunResult]) -> dict[str, dict[str, Any]]:
    """Per level: each round's ratios and their median; rounds missing a path are skipped."""
    runs = {split_label(r.label): r for r in results}
    levels: dict[str, dict[str, dict[str, float | None]]] = {}
    for (path, level, round_no), bare in runs.items():
        rest = runs.get(("rest", level, round_no))
        if path == "bare" and rest is not None:
            levels.setdefault(level, {})[round_no] = round_ratios(bare, rest)
    out: dict[str, dict[str, Any]] = {}
    for level, rounds in levels.items():
        keys = next(iter(rounds.values())).keys()
        median = {k: _median([r[k] for r in rounds.values()]) for k in keys}
        tps = median["tps_rest_vs_bare"]
        out[level] = {
            **median,
            "throughput_overhead": None if tps is None else round(1 - tps, 4),
            "target_met": target_met(tps, median["p50_latency_rest_vs_bare"]),
            "rounds": rounds,
        }
    return out
