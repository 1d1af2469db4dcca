"""The ``consortium`` command (also ``python -m network``).

Subcommands come from the modules listed in :data:`COMMAND_MODULES`; each exposes
``register(subparsers: argparse._SubParsersAction) -> None`` and adds its parsers with
``set_defaults(handler=<callable(args) -> int>)``. A listed module that does not exist yet is skipped, so a
subsystem can be wired in here before its module lands.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from network.spec import SpecError

# One place that lists every module contributing subcommands.
COMMAND_MODULES: tuple[str, ...] = (
    "network.crypto.commands",  # generate, add-user
    "network.configtx.commands",  # decode
    "network.devnet.cli",  # up, down, status, reset, deploy (devnet)
    "network.fabric.cli",  # --backend on the above (must follow them), add-org, compose
)

# Errors shown as a one-line message instead of a traceback.
USER_ERRORS: tuple[type[BaseException], ...] = (SpecError, ValueError, KeyError, OSError, RuntimeError)


def _load_registrars() -> list[object]:
    modules = []
    for name in COMMAND_MODULES:
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:  # the module exists but one of its imports is broken: do not hide that
                raise
    return modules


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="consortium", description="Hyperledger Fabric consortium tooling")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in _load_registrars():
        module.register(subparsers)  # type: ignore[attr-defined]
    return parser


def _one_line(exc: BaseException) -> str:
    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    return " ".join(text.split()) or type(exc).__name__


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except USER_ERRORS as exc:
        print(f"consortium {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into e.g. `head`
        return 0
    except KeyboardInterrupt:
        print(f"consortium {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
