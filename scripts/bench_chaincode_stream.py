"""Why devnet and our chaincode server speak the chaincode stream on grpclib: CPU per transaction, side by side.

    .venv/bin/python scripts/bench_chaincode_stream.py [--duration 5] [--in-flight 50] [--rounds 2]

Runs the four messages of a ``put`` endorsement over one shared ``protos.Chaincode/Connect`` stream
(``scripts/benchkit/ccstream.py``) with both ends on ``grpc.aio`` and with both ends on grpclib, alternating
rounds, each end in its own process. Prints CPU µs per transaction of the peer end and the chaincode end,
the medians and the grpclib/grpc.aio ratios; writes ``bench-results/bench_chaincode_stream-<UTC>.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from scripts.benchkit import report  # noqa: E402
from scripts.benchkit.measure import announce_machine  # noqa: E402

NAME = "bench_chaincode_stream"
STACKS = ("aio", "lib")
LABELS = {"aio": "grpc.aio", "lib": "grpclib"}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--duration", type=float, default=5.0, help="measured seconds per round")
    p.add_argument("--in-flight", type=int, default=50, help="transactions in flight on the stream")
    p.add_argument("--rounds", type=int, default=2, help="alternating rounds per stack")
    p.add_argument("--out-dir", type=Path, default=None, help="result folder (default bench-results/)")
    args = p.parse_args(argv)
    for name in ("duration", "in_flight", "rounds"):
        if getattr(args, name) <= 0:
            p.error(f"--{name.replace('_', '-')}: must be > 0")
    return args


def one_round(stack: str, seconds: float, in_flight: int) -> dict[str, float]:
    module = [sys.executable, "-m", "scripts.benchkit.ccstream"]
    server = subprocess.Popen([*module, "server", stack], stdout=subprocess.PIPE, text=True, cwd=REPO)
    try:
        assert server.stdout is not None
        ready = server.stdout.readline().split()
        if len(ready) != 2 or ready[0] != "ready":
            raise RuntimeError(f"{LABELS[stack]} chaincode end did not start (said {ready!r})")
        out = subprocess.run([*module, "client", stack, ready[1], str(server.pid), str(seconds), str(in_flight)],
                             capture_output=True, text=True, cwd=REPO, timeout=seconds + 60, check=True)
        return json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        server.kill()
        server.wait()


def median_of(rounds: list[dict[str, float]], field: str) -> float:
    return round(statistics.median(r[field] for r in rounds), 1)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    announce_machine()
    rounds: dict[str, list[dict[str, float]]] = {stack: [] for stack in STACKS}
    for n in range(args.rounds):
        for stack in STACKS:
            report.progress(f"round {n + 1}/{args.rounds}: {LABELS[stack]}, {args.duration:g}s, "
                            f"{args.in_flight} in flight")
            rounds[stack].append(one_round(stack, args.duration, args.in_flight))
    fields = ("peer_us_per_tx", "chaincode_us_per_tx", "tx_per_s")
    medians = {stack: {f: median_of(rounds[stack], f) for f in fields} for stack in STACKS}
    ratios = {f: round(medians["lib"][f] / medians["aio"][f], 3) for f in fields if medians["aio"][f]}
    rows: list[list[Any]] = [[LABELS[s], *(medians[s][f] for f in fields)] for s in STACKS]
    rows.append(["grpclib / grpc.aio", *(ratios.get(f) for f in fields)])
    print(report.table(["stack (median)", "peer end µs/tx", "chaincode end µs/tx", "tx/s"], rows))
    document = {"benchmark": NAME, "machine": report.machine_info(),
                "parameters": {"duration_s": args.duration, "in_flight": args.in_flight, "rounds": args.rounds,
                               "messages_per_tx": 4},
                "rounds": rounds, "medians": medians, "ratios_grpclib_vs_aio": ratios}
    print(f"result file: {report.write_result(NAME, document, args.out_dir)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
