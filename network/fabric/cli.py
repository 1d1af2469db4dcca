"""CLI wiring of the Fabric back end.

- ``up``, ``down``, ``status``, ``reset`` (and ``deploy`` when present) get
  ``--backend {devnet,fabric,compose}``. Without it, a network that was last brought up on official binaries
  (``fabric``) or on the official images (``compose``) stays on them (recorded in ``<netdir>/fabric/backend``);
  anything else is devnet, the default. ``up --backend compose`` takes ``--image-tag``.
- ``add-org``: add a member org to a channel (signed config update), then start and join its peers.
- ``compose``: write a docker compose file running the same network on the official images.
- ``deploy`` is registered here only if no other module provides it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from network.devnet.cli import Handler, netdir_handler, status_handler, up_handler
from network.fabric import compose_run, supervisor
from network.fabric.compose import DEFAULT_TAG
from network.layout import DEFAULT_NETWORK_DIR

BACKENDS = ("devnet", "fabric", "compose")


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def chosen_backend(args: argparse.Namespace) -> str:
    """Explicit ``--backend`` wins; otherwise the backend recorded in the network folder; else devnet."""
    backend = getattr(args, "backend", None)
    if backend:
        return str(backend)
    netdir = Path(getattr(args, "netdir", DEFAULT_NETWORK_DIR))
    recorded = supervisor.recorded_backend(netdir)
    return recorded if recorded in BACKENDS else "devnet"


fabric_up = up_handler(supervisor.up, "fabric", 120.0)
fabric_down = netdir_handler(supervisor.down)
fabric_reset = netdir_handler(supervisor.reset)
fabric_status = status_handler(supervisor.status)


def fabric_deploy(args: argparse.Namespace) -> int:
    from network.fabric.lifecycle import DEFAULT_CHAINCODE, deploy

    name = getattr(args, "name", None) or getattr(args, "chaincode", None) or DEFAULT_CHAINCODE
    version = str(getattr(args, "version", None) or "1.0")
    d = deploy(
        args.netdir, getattr(args, "channel", None), name, version, _progress,
        label=getattr(args, "label", None), module=getattr(args, "module", None) or "chaincode",
        policy=getattr(args, "policy", None), start=not getattr(args, "no_start", False),
    )  # fmt: skip
    print(f"deployed {d.name} v{d.version} sequence {d.sequence} ({d.package_id}) serving at {d.address}")
    return 0


FABRIC_HANDLERS: dict[str, Handler] = {
    "up": fabric_up,
    "down": fabric_down,
    "status": fabric_status,
    "reset": fabric_reset,
    "deploy": fabric_deploy,
}


def compose_up(args: argparse.Namespace) -> int:
    nodes = compose_run.up(args.netdir, getattr(args, "spec", None), getattr(args, "timeout", None) or 120.0,
                           _progress, image_tag=getattr(args, "image_tag", None))  # fmt: skip
    print(f"compose up: {len(nodes)} node containers ready in {args.netdir}")
    return 0


COMPOSE_HANDLERS: dict[str, Handler] = {
    "up": compose_up,
    "down": netdir_handler(compose_run.down),
    "status": status_handler(compose_run.status),
    "reset": netdir_handler(compose_run.reset),
    "deploy": fabric_deploy,  # lifecycle.peer_command picks the peer CLI inside a container
}


def dispatching(command: str, devnet: Handler | None) -> Handler:
    def handler(args: argparse.Namespace) -> int:
        backend = chosen_backend(args)
        if backend == "fabric":
            return FABRIC_HANDLERS[command](args)
        if backend == "compose":
            return COMPOSE_HANDLERS[command](args)
        if devnet is None:
            raise RuntimeError(f"`consortium {command}` is not available on devnet yet; use --backend fabric")
        return devnet(args)

    return handler


def add_backend_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        default=None,
        help="devnet (default), fabric (official binaries from $FABRIC_BIN or PATH) or compose (official "
        "hyperledger/fabric-* images, docker compose); default: the backend the network was last brought up with",
    )


def _netdir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--netdir", type=Path, default=DEFAULT_NETWORK_DIR, help="generated network directory")


def cmd_add_org(args: argparse.Namespace) -> int:
    from network.fabric.add_org import add_org

    org = {
        "name": args.name,
        "msp_id": args.msp_id or f"{args.name}MSP",
        "domain": args.domain,
        "peers": [{"name": p} for p in args.peers],
        "users": [{"name": u} for u in args.users],
    }
    added = add_org(args.netdir, org, args.channel, args.timeout, _progress)
    # `up` is idempotent on every back end: it starts only the new org's peers (and joins them on Fabric).
    backend = chosen_backend(args)
    if backend == "fabric":
        supervisor.up(args.netdir, None, args.timeout, _progress)
    elif backend == "compose":
        compose_run.up(args.netdir, None, args.timeout, _progress)
    else:
        from network.devnet.node import supervisor as devnet_supervisor

        devnet_supervisor.up(args.netdir, None, args.timeout, _progress)
    print(f"added {added.msp_id} to {args.channel}")
    return 0


def cmd_compose(args: argparse.Namespace) -> int:
    from network.fabric.compose import write_compose

    path = write_compose(args.netdir, args.out, image_tag=args.tag, validate=args.validate)
    print(f"wrote {path}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    for command in FABRIC_HANDLERS:
        parser = subparsers.choices.get(command)
        if parser is None:
            if command != "deploy":
                parser = subparsers.add_parser(command, help=f"{command} (fabric back end)")
                _netdir(parser)
            else:
                parser = subparsers.add_parser("deploy", help="deploy the asset chaincode (CCaaS)")
                _netdir(parser)
                parser.add_argument("--channel", default=None, help="channel (default: the spec's first)")
                parser.add_argument("--name", default=None, help="chaincode name (default: assetregistry)")
                parser.add_argument("--version", default="1.0", help="chaincode version")
        add_backend_option(parser)
        if command == "up":
            parser.add_argument("--image-tag", default=None,
                                help="--backend compose: tag of the hyperledger/fabric-* images (default: the "
                                "tag already in <netdir>/docker-compose.yaml, else 3.1)")  # fmt: skip
        parser.set_defaults(handler=dispatching(command, parser.get_default("handler")))

    add = subparsers.add_parser("add-org", help="add a member org to a channel (config update signed by admins)")
    _netdir(add)
    add_backend_option(add)
    add.add_argument("--name", required=True, help="org name (config group key), e.g. Org4")
    add.add_argument("--msp-id", default=None, help="MSP ID (default: <name>MSP)")
    add.add_argument("--domain", required=True, help="DNS domain of the org, e.g. org4.example.com")
    add.add_argument("--channel", required=True, help="channel to join")
    add.add_argument("--peers", nargs="+", default=["peer0"], help="peer names (default: peer0)")
    add.add_argument("--users", nargs="*", default=["User1"], help="client users (an Admin is always added)")
    add.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for each step")
    add.set_defaults(handler=cmd_add_org)

    compose = subparsers.add_parser("compose", help="write a docker compose file for the network (official images)")
    _netdir(compose)
    compose.add_argument("--out", type=Path, default=None, help="output file (default: <netdir>/docker-compose.yaml)")
    compose.add_argument("--tag", default=DEFAULT_TAG, help="image tag of hyperledger/fabric-peer and fabric-orderer")
    compose.add_argument("--validate", action="store_true", help="run `docker compose config` on the result")
    compose.set_defaults(handler=cmd_compose)
