"""``python -m network.devnet.orderer --netdir DIR --name orderer0``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from network.devnet.node import jsonlog
from network.devnet.node.lifecycle import run_node_process


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m network.devnet.orderer")
    parser.add_argument("--netdir", type=Path, required=True, help="generated network directory")
    parser.add_argument("--name", required=True, help="orderer node name, e.g. orderer0")
    args = parser.parse_args(argv)
    jsonlog.configure(f"orderer:{args.name}")
    from network.devnet.orderer.server import serve

    return run_node_process("orderer", serve(args.netdir, args.name))


if __name__ == "__main__":
    sys.exit(main())
