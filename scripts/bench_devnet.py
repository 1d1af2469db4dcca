"""Issue 4: committed tx/s and latency of a put/get chaincode on devnet (3 orgs, MAJORITY), closed loop.

    .venv/bin/python scripts/bench_devnet.py [--in-flight 1,10,50,200] [--duration 15] [--orgs 3]

Each level runs N workers through one asyncio Gateway client (``gateway.client.aio``) against Org1's peer;
every transaction is ``put(<unique key>, <value>)`` of ``scripts/benchkit/benchcc.py`` (unique keys: no MVCC
conflicts, so this measures the pipeline, not contention). Prints a table with ratios to the 300 tx/s
target and to the N=1 level, and writes ``bench-results/bench_devnet-<UTC>.json``. At N=50 the batch timeout
cuts blocks of about 14 transactions, so every block's fixed work (signing, delivery to three peers, one
validation pass and one fsync'd commit per peer) is shared by few; at N=200 blocks fill to the batch size
and both cores stay busy, so N=200 is the level that says what the machine can commit.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.benchkit import client, profiling, report  # noqa: E402
from scripts.benchkit.devnet import BenchNet, running_devnet  # noqa: E402
from scripts.benchkit.loadgen import RunResult  # noqa: E402
from scripts.benchkit.measure import announce_machine, benchmark_pids, profiled_run  # noqa: E402
from scripts.benchkit.options import add_network_options, in_flight_levels, network_parameters  # noqa: E402
from scripts.benchkit.stats import ratio  # noqa: E402
from scripts.benchkit.txflow import submit_and_wait  # noqa: E402

NAME = "bench_devnet"
TARGET_TPS = 300.0
CHAINCODE = "benchcc"
MODULE = "scripts.benchkit.benchcc"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--in-flight", type=in_flight_levels, default=[1, 10, 50, 200], help="levels, e.g. 1,10,50")
    p.add_argument("--duration", type=float, default=15.0, help="measured seconds per level")
    add_network_options(p)
    p.add_argument("--profile", type=Path, default=None,
                   help="py-spy every process during the last level; folded stacks go to this folder")
    return p.parse_args(argv)


async def run_levels(net: BenchNet, args: argparse.Namespace, profile: dict[str, Any]) -> list[RunResult]:
    results = []
    async with client.gateway_channel(net.layout, "Org1MSP") as channel:
        contract = client.contract(channel, net.layout, net.channel, CHAINCODE)
        await submit_and_wait(contract, "put", ["warm", "up"])
        for n in args.in_flight:
            report.progress(f"N={n}: {args.warmup:.0f}s warm-up + {args.duration:.0f}s measured")

            async def put(worker: int, seq: int, level: int = n) -> tuple[str, float]:
                return await submit_and_wait(contract, "put", [f"n{level}-w{worker}-{seq}", "v" * 32])

            last = n == args.in_flight[-1]
            result = await profiled_run(f"N={n}", n, args, put, benchmark_pids(net), profile, last)
            report.progress(f"N={n}: {result.committed} committed, {result.tps:.1f} tx/s, {dict(result.outcomes)}, "
                            f"slowest {result.slowest_s:.2f}s")
            results.append(result)
    return results


def document(args: argparse.Namespace, results: list[RunResult], profile: dict[str, Any]) -> dict[str, Any]:
    base = results[0].tps if results else None
    return {
        "benchmark": NAME,
        "parameters": network_parameters(args) | {"chaincode": f"{MODULE} put(unique key, 32 B)",
                                                  "client": "gateway.client.aio, one grpc.aio channel to Org1's peer"},
        "machine": report.machine_info(),
        "target_tps": TARGET_TPS,
        "results": [r.summary() for r in results],
        "ratios": {r.label: {"tps_vs_target": ratio(r.tps, TARGET_TPS), "tps_vs_first_level": ratio(r.tps, base)}
                   for r in results},
        "raw": {r.label: r.raw() for r in results},
        "profile": profile,
    }


def print_table(results: list[RunResult]) -> None:
    base = results[0].tps if results else None
    rows = []
    for r in results:
        s = r.summary()
        rows.append([r.label, r.committed, r.total - r.committed, round(r.tps, 1), s["latency_ms"]["p50"],
                     s["latency_ms"]["p99"], s["submit_to_commit_ms"]["p50"], s["submit_to_commit_ms"]["p99"],
                     ratio(r.tps, TARGET_TPS), ratio(r.tps, base)])
    print(report.table(["level", "committed", "failed", "tx/s", "e2e p50 ms", "e2e p99 ms", "sub->commit p50",
                        "sub->commit p99", "x target", "x first"], rows))
    print("CPU ms per transaction, by process:")
    names = sorted({k for r in results for k in r.cpu_ms_per_tx})
    print(report.table(["level", *names], [[r.label, *(r.cpu_ms_per_tx.get(k) for k in names)] for r in results]))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    announce_machine()
    with running_devnet(args.orgs, args.batch_size, args.batch_timeout_ms, {CHAINCODE: MODULE},
                        report.progress, keep=args.keep) as net:
        profile: dict[str, Any] = {}
        results = asyncio.run(run_levels(net, args, profile))
    print_table(results)
    if profile.get("hotspots"):
        print(profiling.render(profile["hotspots"]))
    path = report.write_result(NAME, document(args, results, profile), args.out_dir)
    print(f"result file: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
