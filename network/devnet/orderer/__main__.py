"""``python -m network.devnet.orderer --netdir DIR --name orderer0``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from network.devnet.node import jsonlog


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m network.devnet.orderer")
    parser.add_argument("--netdir", type=Path, required=True, help="generated network directory")
    parser.add_argument("--name", required=True, help="orderer node name, e.g. orderer0")
    args = parser.parse_args(argv)
    jsonlog.configure(f"orderer:{args.name}")
    from network.devnet.orderer.server import serve

    try:
        asyncio.run(serve(args.netdir, args.name))
    except (KeyError, FileNotFoundError, ValueError) as exc:
        print(f"orderer: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
