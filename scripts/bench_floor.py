"""Issue 4: how far devnet is from the cost floor of Fabric's own traffic on this machine, side by side.

    .venv/bin/python scripts/bench_floor.py [--in-flight 50] [--duration 10] [--no-devnet]

First the floor (``scripts/benchkit/floor.py``): one transaction's gRPC exchanges replayed between two
processes with handlers that do nothing, plus its ECDSA operations; CPU ms per transaction of both. Then, in
the same run, ``bench_devnet``'s ``put`` at the same in-flight level on a real devnet. Prints both, the ratio,
and the budget that 300 tx/s leaves on this machine's cores; writes ``bench-results/bench_floor-<UTC>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts import bench_devnet  # noqa: E402
from scripts.benchkit import floor, report  # noqa: E402
from scripts.benchkit.devnet import running_devnet  # noqa: E402
from scripts.benchkit.loadgen import RunResult  # noqa: E402
from scripts.benchkit.measure import announce_machine, measured_run  # noqa: E402
from scripts.benchkit.options import add_network_options, network_parameters  # noqa: E402
from scripts.benchkit.stats import ratio  # noqa: E402

NAME = "bench_floor"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--in-flight", type=int, default=50, help="concurrent transactions (both runs)")
    p.add_argument("--duration", type=float, default=10.0, help="measured seconds per run")
    p.add_argument("--no-devnet", action="store_true", help="measure the floor only")
    add_network_options(p)
    args = p.parse_args(argv)
    if args.in_flight < 1:
        p.error(f"--in-flight: must be >= 1, got {args.in_flight}")
    return args


async def floor_run(args: argparse.Namespace, folder: Path) -> RunResult:
    server, tls_port, plain_port = floor.start_server(folder)
    try:
        tls, plain = floor.channels(folder / "ca.crt", tls_port, plain_port)
        async with tls, plain:
            streams = floor.SharedStream(plain), floor.SharedStream(plain)
            workers = [floor.Replayer(tls, streams) for _ in range(args.in_flight)]

            async def transaction(worker: int, _seq: int) -> tuple[str, float]:
                started = time.monotonic()
                await workers[worker].transaction()
                return "VALID", started

            pids = {"client": os.getpid(), "transport-server": server.pid}
            result = await measured_run("floor", args.in_flight, args.duration, args.warmup, transaction, pids)
            for worker in workers:
                await worker.close()
            for stream in streams:
                await stream.close()
            return result
    finally:
        server.kill()
        server.wait()


def summary(args: argparse.Namespace, transport: RunResult, signatures: dict[str, float],
            devnet: RunResult | None) -> dict[str, Any]:
    cores = os.cpu_count() or 1
    budget = round(1000 * cores / bench_devnet.TARGET_TPS, 3)
    floor_ms = round(transport.cpu_ms_per_tx["total"] + signatures["ms_per_tx"], 3)
    out: dict[str, Any] = {
        "transport_ms_per_tx": transport.cpu_ms_per_tx, "signatures": signatures, "floor_ms_per_tx": floor_ms,
        "budget_ms_per_tx_for_target": budget, "floor_vs_budget": ratio(floor_ms, budget),
        "floor_max_tps_on_cores": round(1000 * cores / floor_ms, 1) if floor_ms else None,
    }
    if devnet is not None:
        total = devnet.cpu_ms_per_tx.get("total")
        out |= {"devnet_ms_per_tx": devnet.cpu_ms_per_tx, "devnet_tps": round(devnet.tps, 2),
                "devnet_vs_floor": ratio(total, floor_ms), "devnet_vs_budget": ratio(total, budget),
                "devnet_above_floor_ms": round(total - floor_ms, 3) if total else None}
    return out


def print_summary(s: dict[str, Any]) -> None:
    transport = s["transport_ms_per_tx"]
    rows = [["gRPC traffic, client end", transport.get("client")],
            ["gRPC traffic, server end", transport.get("transport-server")],
            [f"ECDSA ({floor.VERIFIES_PER_TX} verify @ {s['signatures']['verify_us']} us, "
             f"{floor.SIGNS_PER_TX} sign @ {s['signatures']['sign_us']} us)", s["signatures"]["ms_per_tx"]],
            ["floor (sum)", s["floor_ms_per_tx"]],
            ["budget for 300 tx/s on this machine's cores", s["budget_ms_per_tx_for_target"]]]
    if "devnet_ms_per_tx" in s:
        rows.append([f"devnet put, measured in this run ({s['devnet_tps']} tx/s)", s["devnet_ms_per_tx"]["total"]])
    print(report.table(["CPU ms per transaction", "ms"], rows))
    line = f"floor x{s['floor_vs_budget']} of the budget (at most {s['floor_max_tps_on_cores']} tx/s)"
    if "devnet_vs_floor" in s:
        line += (f"; devnet x{s['devnet_vs_floor']} of the floor, x{s['devnet_vs_budget']} of the budget, "
                 f"{s['devnet_above_floor_ms']} ms/tx above the floor")
    print(line)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    announce_machine()
    with tempfile.TemporaryDirectory(prefix="bench-floor-") as tmp:
        report.progress(f"floor: {args.warmup:.0f}s warm-up + {args.duration:.0f}s, {args.in_flight} in flight")
        transport = asyncio.run(floor_run(args, Path(tmp)))
    signatures = floor.signature_ms_per_tx()
    devnet = None
    if not args.no_devnet:
        level = argparse.Namespace(**(vars(args) | {"in_flight": [args.in_flight], "profile": None}))
        with running_devnet(args.orgs, args.batch_size, args.batch_timeout_ms,
                            {bench_devnet.CHAINCODE: bench_devnet.MODULE}, report.progress, keep=args.keep) as net:
            devnet = asyncio.run(bench_devnet.run_levels(net, level, {}))[0]
    result = summary(args, transport, signatures, devnet)
    print_summary(result)
    document = {"benchmark": NAME, "parameters": network_parameters(args) | {"devnet": devnet is not None},
                "machine": report.machine_info(), "pattern": floor.pattern(), "result": result}
    path = report.write_result(NAME, document, args.out_dir)
    print(f"result file: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
