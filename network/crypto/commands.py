"""``consortium generate`` and ``consortium add-user``."""

from __future__ import annotations

import argparse
from pathlib import Path

from network.crypto.bootstrap import add_user, generate
from network.layout import DEFAULT_NETWORK_DIR
from network.spec import load_spec


def _progress(line: str) -> None:
    print(f"  {line}", flush=True)


def _generate(args: argparse.Namespace) -> int:
    spec = load_spec(args.spec)  # fails before anything is written
    result = generate(spec, args.out, force=args.force, progress=_progress)
    print(f"network in {args.out}: {len(result.created)} created, {len(result.kept)} kept")
    return 0


def _parse_attr(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"--attr {text!r}: expected NAME=VALUE")
    return name, value


def _add_user(args: argparse.Namespace) -> int:
    attributes = dict(args.attr or [])
    folder = add_user(args.out, args.org, args.name, args.role, attributes)
    print(f"created {folder}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    gen = subparsers.add_parser("generate", help="create crypto material, genesis blocks and the resolved spec")
    gen.add_argument("--spec", type=Path, default=None, help="consortium spec (default: network/consortium.yaml)")
    gen.add_argument("--out", type=Path, default=DEFAULT_NETWORK_DIR, help="network directory (default: var/net)")
    gen.add_argument("--force", action="store_true", help="regenerate everything, replacing existing keys and CAs")
    gen.set_defaults(handler=_generate)

    add = subparsers.add_parser("add-user", help="enroll one more user without touching anything else")
    add.add_argument("--out", type=Path, default=DEFAULT_NETWORK_DIR, help="network directory (default: var/net)")
    add.add_argument("--org", required=True, help="MSP ID, org name or domain")
    add.add_argument("--name", required=True)
    add.add_argument("--role", choices=("client", "admin"), default="client")
    add.add_argument("--attr", type=_parse_attr, action="append", metavar="NAME=VALUE", help="certificate attribute")
    add.set_defaults(handler=_add_user)
