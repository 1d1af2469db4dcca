"""Issue 6: what the REST layer costs - submit throughput and latency through the FastAPI gateway vs the bare
client library, against the same devnet in one run.

    .venv/bin/python scripts/bench_gateway.py [--in-flight 1,10,50] [--rounds 2] [--duration 15 --warmup 5]

Both paths submit ``put(<unique key>, <32 B>)`` of ``scripts/benchkit/benchcc.py`` as Org1's User1 to Org1's
peer and wait for the commit: bare = ``gateway.client.aio`` in this process; REST = ``POST
/v1/orgs/Org1/submit?mode=sync`` (``python -m gateway serve``: API key auth, encrypted wallet, SQLite
operation store, each operation stored before it is sent) driven by ``scripts/benchkit/httpload.py`` - a lean
HTTP/1.1 load generator in its own process, whose CPU is reported apart (``http-loadgen``). Each level runs
``--rounds`` bare/REST pairs back to back in alternating order; ratios are taken within a round and the level
reports their median (``scripts/benchkit/restcost.py``). Target: REST costs under 10 % (throughput and p50
latency). Writes ``bench-results/bench_gateway-<UTC>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.benchkit import client, profiling, report  # noqa: E402
from scripts.benchkit.devnet import BenchNet, running_devnet  # noqa: E402
from scripts.benchkit.loadgen import RunResult  # noqa: E402
from scripts.benchkit.loadproc import http_load_run  # noqa: E402
from scripts.benchkit.measure import announce_machine, benchmark_pids, profiled_run  # noqa: E402
from scripts.benchkit.options import add_network_options, in_flight_levels, network_parameters  # noqa: E402
from scripts.benchkit.restcost import (  # noqa: E402
    BARE_CLIENT,
    HTTP_LOADGEN,
    REST_PROCESS,
    TARGET_OVERHEAD,
    level_ratios,
    round_order,
    run_label,
)
from scripts.benchkit.restgw import RestGateway, running_rest_gateway  # noqa: E402
from scripts.benchkit.txflow import submit_and_wait  # noqa: E402

NAME = "bench_gateway"
CHAINCODE, MODULE = "benchcc", "scripts.benchkit.benchcc"
VALUE = "v" * 32


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--in-flight", type=in_flight_levels, default=[1, 10, 50], help="levels, e.g. 1,10,50")
    p.add_argument("--duration", type=float, default=15.0, help="measured seconds per path, level and round")
    p.add_argument("--rounds", type=int, default=2, help="bare/REST pairs per level (alternating order)")
    add_network_options(p)
    p.set_defaults(warmup=5.0)
    p.add_argument("--profile", type=Path, default=None,
                   help="py-spy every process during the last level's last REST run; folded stacks go here "
                        "(sampling costs CPU: that run's ratios are biased against REST)")
    args = p.parse_args(argv)
    if args.rounds < 1:
        p.error("--rounds: must be >= 1")
    return args


async def run_levels(net: BenchNet, rest: RestGateway, args: argparse.Namespace,
                     profile: dict[str, Any]) -> tuple[list[RunResult], dict[str, str]]:
    results: list[RunResult] = []
    examples: dict[str, str] = {}
    async with client.gateway_channel(net.layout, "Org1MSP") as channel:
        contract = client.contract(channel, net.layout, net.channel, CHAINCODE)
        await submit_and_wait(contract, "put", ["warm", "up"])
        for index, n in enumerate(args.in_flight):
            for round_no in range(1, args.rounds + 1):
                for path in round_order(index, round_no):
                    label = run_label(path, n, round_no)
                    pids = {**benchmark_pids(net), REST_PROCESS: rest.pid}
                    last = n == args.in_flight[-1] and round_no == args.rounds and path == "rest"
                    report.progress(f"{label}: {args.warmup:.0f}s warm-up + {args.duration:.0f}s measured")
                    if path == "rest":
                        result = await http_load_run(label, rest.submit_url(), rest.api_key, f"rest{n}r{round_no}",
                                                     n, args, pids, profile, last, examples)
                    else:
                        async def bare(worker: int, seq: int, tag: str = f"bare{n}r{round_no}") -> tuple[str, float]:
                            return await submit_and_wait(contract, "put", [f"{tag}-w{worker}-{seq}", VALUE], examples)

                        result = await profiled_run(label, n, args, bare, pids, profile, False)
                    report.progress(f"{label}: {result.committed} committed, {result.tps:.1f} tx/s, "
                                    f"{dict(result.outcomes)}, CPU ms/tx {result.cpu_ms_per_tx}")
                    results.append(result)
    return results, examples


def document(args: argparse.Namespace, results: list[RunResult], examples: dict[str, str],
             profile: dict[str, Any]) -> dict[str, Any]:
    return {
        "benchmark": NAME,
        "parameters": network_parameters(args) | {
            "chaincode": f"{MODULE} put(unique key, 32 B)",
            "bare": "gateway.client.aio, one grpc.aio channel to Org1's peer",
            "rest": "python -m gateway serve, POST /v1/orgs/Org1/submit?mode=sync driven by "
                    "scripts.benchkit.httpload (own process, keep-alive connection per in-flight worker)",
            "rounds": args.rounds,
            "note": "REST latency is end to end only (the submit step is inside the service)",
        },
        "machine": report.machine_info(),
        "target": f"REST overhead < {TARGET_OVERHEAD:.0%}",
        "results": [r.summary() for r in results],
        "ratios": level_ratios(results),
        "error_examples": examples,
        "raw": {r.label: r.raw() for r in results},
        "profile": profile,
    }


def print_table(results: list[RunResult]) -> None:
    rows = []
    for r in results:
        s = r.summary()
        cpu = r.cpu_ms_per_tx
        rows.append([r.label, r.committed, r.total - r.committed, round(r.tps, 1), s["latency_ms"]["p50"],
                     s["latency_ms"]["p99"], cpu.get("total"), cpu.get(BARE_CLIENT), cpu.get(REST_PROCESS),
                     cpu.get(HTTP_LOADGEN)])
    print(report.table(["run", "committed", "failed", "tx/s", "p50 ms", "p99 ms", "CPU ms/tx total",
                        "bench proc", "REST proc", "http loadgen"], rows))
    for level, p in level_ratios(results).items():
        print(f"{level} (median of {len(p['rounds'])}): REST/bare tx/s x{p['tps_rest_vs_bare']}, "
              f"p50 x{p['p50_latency_rest_vs_bare']}, p99 x{p['p99_latency_rest_vs_bare']}; "
              f"CPU ms/tx REST proc {p['rest_process_cpu_ms_per_tx']} vs bare client {p['bare_client_cpu_ms_per_tx']}"
              f" (x{p['rest_process_vs_bare_client']}), loadgen {p['http_loadgen_cpu_ms_per_tx']}, "
              f"total {p['total_cpu_ms_per_tx_rest']} vs {p['total_cpu_ms_per_tx_bare']}; "
              f"overhead {p['throughput_overhead']}, target {'met' if p['target_met'] else 'NOT met'}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    announce_machine()
    with running_devnet(args.orgs, args.batch_size, args.batch_timeout_ms, {CHAINCODE: MODULE},
                        report.progress, keep=args.keep) as net, \
            tempfile.TemporaryDirectory(prefix="bench-rest-") as workdir, \
            running_rest_gateway(Path(workdir), net.layout, net.channel, CHAINCODE) as rest:
        report.progress(f"REST gateway at {rest.base_url} (pid {rest.pid})")
        profile: dict[str, Any] = {}
        results, examples = asyncio.run(run_levels(net, rest, args, profile))
    print_table(results)
    if profile.get("hotspots"):
        print(profiling.render(profile["hotspots"]))
    path = report.write_result(NAME, document(args, results, examples, profile), args.out_dir)
    print(f"result file: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
