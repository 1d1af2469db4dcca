"""``python -m network.devnet.peer --netdir DIR --org Org1MSP --peer peer0``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from network.devnet.node import jsonlog
from network.devnet.node.lifecycle import run_node_process


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m network.devnet.peer")
    parser.add_argument("--netdir", type=Path, required=True, help="generated network directory")
    parser.add_argument("--org", required=True, help="MSP ID (or name/domain) of the peer's org")
    parser.add_argument("--peer", required=True, help="peer name, e.g. peer0")
    args = parser.parse_args(argv)
    jsonlog.configure(f"peer:{args.peer}.{args.org}")
    from network.devnet.peer.node import serve

    return run_node_process("peer", serve(args.netdir, args.org, args.peer))


if __name__ == "__main__":
    sys.exit(main())
