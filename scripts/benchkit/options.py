"""Command-line options every devnet benchmark shares, and the run parameters they put in the result file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def in_flight_levels(text: str) -> list[int]:
    """``--in-flight 1,10,50``: comma-separated concurrency levels, each at least 1."""
    try:
        levels = [int(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--in-flight: comma-separated integers, got {text!r}") from exc
    if not levels or any(n < 1 for n in levels):
        raise argparse.ArgumentTypeError(f"--in-flight: every level must be >= 1, got {text!r}")
    return levels


def add_network_options(p: argparse.ArgumentParser) -> None:
    """Warm-up, network shape (orgs, orderer batching), result folder and ``--keep``."""
    p.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before each run")
    p.add_argument("--orgs", type=int, default=3, help="member orgs (MAJORITY endorsement)")
    p.add_argument("--batch-size", type=int, default=50, help="orderer BatchSize.MaxMessageCount")
    p.add_argument("--batch-timeout-ms", type=int, default=50, help="orderer BatchTimeout")
    p.add_argument("--out-dir", type=Path, default=None, help="result folder (default bench-results/)")
    p.add_argument("--keep", action="store_true", help="keep the devnet directory (logs) afterwards")


def network_parameters(args: argparse.Namespace) -> dict[str, Any]:
    """The shared options as the ``parameters`` of a result file."""
    return {"in_flight": args.in_flight, "duration_s": args.duration, "warmup_s": args.warmup,
            "orgs": args.orgs, "endorsement": "MAJORITY", "batch_size": args.batch_size,
            "batch_timeout_ms": args.batch_timeout_ms}  # fmt: skip
