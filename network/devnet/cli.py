"""``consortium up | down | status | reset`` (registered by :func:`register`, which also wires in D3's ``deploy``).

The handlers here are built from a back end's ``up``/``down``/``reset``/``status`` functions, so
:mod:`network.fabric.cli` builds its handlers for the official binaries from the same code.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from network.devnet.node import supervisor
from network.devnet.node.supervisor import NodeStatus
from network.layout import DEFAULT_NETWORK_DIR

Handler = Callable[[argparse.Namespace], int]
Progress = Callable[[str], None]
UpFunction = Callable[[Path, Path | None, float, Progress], Sequence[Any]]


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _netdir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--netdir",
        type=Path,
        default=DEFAULT_NETWORK_DIR,
        help=f"generated network directory (default: {DEFAULT_NETWORK_DIR})",
    )


def up_handler(up: UpFunction, label: str, timeout: float) -> Handler:
    """``up`` on a back end; ``--spec``/``--timeout`` may be absent when another module registered the parser."""

    def handler(args: argparse.Namespace) -> int:
        nodes = up(args.netdir, getattr(args, "spec", None), getattr(args, "timeout", timeout), _progress)
        print(f"{label} up: {len(nodes)} nodes healthy in {args.netdir}")
        return 0

    return handler


def netdir_handler(action: Callable[[Path, Progress], object]) -> Handler:
    """``down`` and ``reset``: the back end's action on ``--netdir``, reporting progress on stderr."""

    def handler(args: argparse.Namespace) -> int:
        action(args.netdir, _progress)
        return 0

    return handler


def print_statuses(statuses: Sequence[NodeStatus], as_json: bool) -> int:
    """Print one line per node (and one per channel it serves); exit code 3 unless every node is healthy."""
    if as_json:
        print(json.dumps([s.__dict__ for s in statuses], indent=2))
        return 0
    for s in statuses:
        state = "healthy" if s.healthy else ("running, unhealthy" if s.pid else "stopped")
        print(f"{s.kind:9} {s.host:32} pid {s.pid or '-'!s:>7}  {state}")
        for channel, info in sorted(s.channels.items()):
            line = f"{'':9} {'':32} {channel}: height {info.get('height')}"
            if "relation" in info:
                line += f" ({info.get('status')}, {info.get('relation')})"
            chaincodes = info.get("chaincodes")
            if chaincodes:
                line += "  chaincodes " + ", ".join(
                    f"{n} v{c['version']} seq {c['sequence']}" for n, c in sorted(chaincodes.items())
                )
            print(line)
    return 0 if all(s.healthy for s in statuses) else 3


def status_handler(status: Callable[[Path], Sequence[NodeStatus]]) -> Handler:
    """``status``: the back end's node statuses, printed by :func:`print_statuses`."""

    def handler(args: argparse.Namespace) -> int:
        return print_statuses(status(args.netdir), getattr(args, "json", False))

    return handler


cmd_up = up_handler(supervisor.up, "devnet", 60.0)
cmd_down = netdir_handler(supervisor.down)
cmd_reset = netdir_handler(supervisor.reset)
cmd_status = status_handler(supervisor.status)


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
