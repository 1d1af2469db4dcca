"""``consortium up | down | status | reset`` (registered by :func:`register`, which also wires in D3's ``deploy``)."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

from network.devnet.node import supervisor
from network.layout import DEFAULT_NETWORK_DIR


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _netdir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--netdir",
        type=Path,
        default=DEFAULT_NETWORK_DIR,
        help=f"generated network directory (default: {DEFAULT_NETWORK_DIR})",
    )


def cmd_up(args: argparse.Namespace) -> int:
    nodes = supervisor.up(args.netdir, args.spec, args.timeout, _progress)
    print(f"devnet up: {len(nodes)} nodes healthy in {args.netdir}")
    return 0


def cmd_down(args: argparse.Namespace) -> int:
    supervisor.down(args.netdir, _progress)
    return 0


def cmd_reset(args: argparse.Namespace) -> int:
    supervisor.reset(args.netdir, _progress)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    statuses = supervisor.status(args.netdir)
    if args.json:
        print(json.dumps([s.__dict__ for s in statuses], indent=2))
        return 0
    for s in statuses:
        state = "healthy" if s.healthy else ("running, unhealthy" if s.pid else "stopped")
        pid = s.pid if s.pid else "-"
        print(f"{s.kind:9} {s.host:32} pid {pid!s:>7}  {state}")
        for channel, info in sorted(s.channels.items()):
            line = f"{'':9} {'':32} {channel}: height {info.get('height')}"
            chaincodes = info.get("chaincodes")
            if chaincodes:
                line += "  chaincodes " + ", ".join(
                    f"{n} v{c['version']} seq {c['sequence']}" for n, c in sorted(chaincodes.items())
                )
            print(line)
    return 0 if all(s.healthy for s in statuses) else 3


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    up = subparsers.add_parser("up", help="start the devnet (generating it first if needed)")
    _netdir(up)
    up.add_argument("--spec", type=Path, default=None, help="spec used when the network must be generated")
    up.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for all nodes to be healthy")
    up.set_defaults(handler=cmd_up)
    down = subparsers.add_parser("down", help="stop every devnet node")
    _netdir(down)
    down.set_defaults(handler=cmd_down)
    status = subparsers.add_parser("status", help="nodes, pids, health, ledger heights, chaincodes")
    _netdir(status)
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(handler=cmd_status)
    reset = subparsers.add_parser("reset", help="stop the devnet and delete its ledgers (keeps crypto)")
    _netdir(reset)
    reset.set_defaults(handler=cmd_reset)
    _register_deploy(subparsers)


def _register_deploy(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """``consortium deploy`` belongs to :mod:`network.devnet.deploy`; it is wired in here once it exists."""
    try:
        deploy = importlib.import_module("network.devnet.deploy")
    except ModuleNotFoundError as exc:
        if exc.name != "network.devnet.deploy":
            raise
        return
    deploy.register(subparsers)
