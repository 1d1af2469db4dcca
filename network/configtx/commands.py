"""``consortium decode FILE [--type T]``: print a block, envelope or config as JSON."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from network.configtx.decode import MESSAGE_TYPES, decode


def _decode(args: argparse.Namespace) -> int:
    data = sys.stdin.buffer.read() if str(args.file) == "-" else Path(args.file).read_bytes()
    json.dump(decode(data, args.type), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    dec = subparsers.add_parser("decode", help="decode a protobuf file to JSON (like configtxlator proto_decode)")
    dec.add_argument("file", help="input file, or - for stdin")
    dec.add_argument("--type", default="common.Block", choices=sorted(MESSAGE_TYPES), help="message type")
    dec.set_defaults(handler=_decode)
