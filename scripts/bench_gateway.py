"""Issue 6: what the REST layer costs - submit throughput and latency through the FastAPI gateway vs the bare
client library, against the same devnet in one run.

    .venv/bin/python scripts/bench_gateway.py [--in-flight 10,50] [--duration 10]

Both paths submit ``put(<unique key>, <32 B>)`` of ``scripts/benchkit/benchcc.py`` as Org1's User1 to Org1's
peer and wait for the commit: bare = ``gateway.client.aio`` in this process; REST = ``POST
/v1/orgs/Org1/submit?mode=sync`` (``python -m gateway serve``: API key auth, encrypted wallet, SQLite
operation store, each operation stored before it is sent) driven by ``httpx.AsyncClient``. Per level the two
paths run back to back, in alternating order so slow drift of the shared machine does not favour one.
Target: REST costs under 10 % (throughput and p50 latency). Writes ``bench-results/bench_gateway-<UTC>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.benchkit import client, profiling, report  # noqa: E402
from scripts.benchkit.devnet import BenchNet, running_devnet  # noqa: E402
from scripts.benchkit.loadgen import Operation, RunResult  # noqa: E402
from scripts.benchkit.measure import announce_machine, benchmark_pids, profiled_run  # noqa: E402
from scripts.benchkit.options import add_network_options, in_flight_levels, network_parameters  # noqa: E402
from scripts.benchkit.restgw import RestGateway, running_rest_gateway  # noqa: E402
from scripts.benchkit.stats import ratio  # noqa: E402
from scripts.benchkit.txflow import submit_and_wait  # noqa: E402

NAME = "bench_gateway"
CHAINCODE, MODULE = "benchcc", "scripts.benchkit.benchcc"
TARGET_OVERHEAD = 0.10
VALUE = "v" * 32


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--in-flight", type=in_flight_levels, default=[10, 50], help="levels, e.g. 10,50")
    p.add_argument("--duration", type=float, default=10.0, help="measured seconds per path and level")
    add_network_options(p)
    p.add_argument("--profile", type=Path, default=None,
                   help="py-spy every process during the last level's REST run; folded stacks go here")
    return p.parse_args(argv)


def rest_operation(http: httpx.AsyncClient, rest: RestGateway, prefix: str, examples: dict[str, str]) -> Operation:
    async def put(worker: int, seq: int) -> tuple[str, float]:
        began = time.monotonic()
        try:
            response = await http.post(rest.submit_url(), headers={"X-API-Key": rest.api_key},
                                       json={"function": "put", "args": [f"{prefix}-w{worker}-{seq}", VALUE]})
        except httpx.HTTPError as exc:
            examples.setdefault("HTTP_ERROR", repr(exc)[:500])
            return "HTTP_ERROR", began
        if response.status_code == 200:
            return str(response.json().get("validation_code", "VALID")), began
        label = f"HTTP_{response.status_code}"
        examples.setdefault(label, response.text[:500])
        return label, began

    return put


async def run_levels(net: BenchNet, rest: RestGateway, args: argparse.Namespace,
                     profile: dict[str, Any]) -> tuple[list[RunResult], dict[str, str]]:
    results: list[RunResult] = []
    examples: dict[str, str] = {}
    limits = httpx.Limits(max_connections=max(args.in_flight) + 10, max_keepalive_connections=max(args.in_flight) + 10)
    async with client.gateway_channel(net.layout, "Org1MSP") as channel, \
            httpx.AsyncClient(limits=limits, timeout=120) as http:
        contract = client.contract(channel, net.layout, net.channel, CHAINCODE)
        await submit_and_wait(contract, "put", ["warm", "up"])
        for index, n in enumerate(args.in_flight):

            async def bare(worker: int, seq: int, level: int = n) -> tuple[str, float]:
                return await submit_and_wait(contract, "put", [f"bare{level}-w{worker}-{seq}", VALUE], examples)

            paths: list[tuple[str, Operation]] = [("bare", bare), ("rest", rest_operation(http, rest, f"rest{n}",
                                                                                       examples))]
            if index % 2:
                paths.reverse()
            for path, operation in paths:
                pids = {**benchmark_pids(net), "rest-gateway": rest.pid}
                report.progress(f"{path} N={n}: {args.warmup:.0f}s warm-up + {args.duration:.0f}s measured")
                last_rest = path == "rest" and n == args.in_flight[-1]
                result = await profiled_run(f"{path} N={n}", n, args, operation, pids, profile, last_rest)
                report.progress(f"{path} N={n}: {result.committed} committed, {result.tps:.1f} tx/s, "
                                f"{dict(result.outcomes)}")
                results.append(result)
    return results, examples


def pairs(results: list[RunResult]) -> dict[str, dict[str, Any]]:
    """Per level: REST vs bare ratios and the REST overhead (1 - throughput ratio)."""
    by_label = {r.label: r for r in results}
    out = {}
    for r in results:
        if not r.label.startswith("bare "):
            continue
        level = r.label.removeprefix("bare ")
        rest = by_label.get(f"rest {level}")
        if rest is None:
            continue
        bare_s, rest_s = r.summary(), rest.summary()
        tps_ratio = ratio(rest.tps, r.tps)
        p50_ratio = ratio(rest_s["latency_ms"]["p50"], bare_s["latency_ms"]["p50"])
        out[level] = {
            "tps_rest_vs_bare": tps_ratio,
            "p50_latency_rest_vs_bare": p50_ratio,
            "p99_latency_rest_vs_bare": ratio(rest_s["latency_ms"]["p99"], bare_s["latency_ms"]["p99"]),
            "throughput_overhead": None if tps_ratio is None else round(1 - tps_ratio, 4),
            "cpu_ms_per_tx_rest_minus_bare": round(rest.cpu_ms_per_tx.get("total", 0.0)
                                                   - r.cpu_ms_per_tx.get("total", 0.0), 2),
            "target_met": tps_ratio is not None and p50_ratio is not None
            and 1 - tps_ratio < TARGET_OVERHEAD and p50_ratio - 1 < TARGET_OVERHEAD,
        }
    return out


def document(args: argparse.Namespace, results: list[RunResult], examples: dict[str, str],
             profile: dict[str, Any]) -> dict[str, Any]:
    return {
        "benchmark": NAME,
        "parameters": network_parameters(args) | {
            "chaincode": f"{MODULE} put(unique key, 32 B)",
            "bare": "gateway.client.aio, one grpc.aio channel to Org1's peer",
            "rest": "python -m gateway serve, POST /v1/orgs/Org1/submit?mode=sync via httpx.AsyncClient",
            "note": "REST latency is end to end only (the submit step is inside the service)",
        },
        "machine": report.machine_info(),
        "target": f"REST overhead < {TARGET_OVERHEAD:.0%}",
        "results": [r.summary() for r in results],
        "ratios": pairs(results),
        "error_examples": examples,
        "raw": {r.label: r.raw() for r in results},
        "profile": profile,
    }


def print_table(results: list[RunResult]) -> None:
    rows = []
    for r in results:
        s = r.summary()
        rows.append([r.label, r.committed, r.total - r.committed, round(r.tps, 1), s["latency_ms"]["p50"],
                     s["latency_ms"]["p99"], r.cpu_ms_per_tx.get("total"), r.cpu_ms_per_tx.get("rest-gateway")])
    print(report.table(["path", "committed", "failed", "tx/s", "p50 ms", "p99 ms", "CPU ms/tx", "REST proc ms/tx"],
                       rows))
    for level, p in pairs(results).items():
        print(f"{level}: REST/bare tx/s x{p['tps_rest_vs_bare']}, p50 x{p['p50_latency_rest_vs_bare']}, "
              f"p99 x{p['p99_latency_rest_vs_bare']}, overhead {p['throughput_overhead']}, "
              f"target {'met' if p['target_met'] else 'NOT met'}")


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
