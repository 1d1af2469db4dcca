"""Bring the consortium up on devnet, deploy the asset chaincode, and stop everything again.

Only library calls are used (``network.crypto.bootstrap.generate``, ``supervisor.up``, ``deploy.deploy``):
the demo does what ``consortium generate / up / deploy`` do, so a network it leaves running is an ordinary
devnet that ``consortium status / down`` understand.
"""

from __future__ import annotations

import random
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from network.crypto.bootstrap import add_user, generate
from network.devnet import deploy
from network.devnet.node import processes, supervisor
from network.layout import NetworkLayout
from network.spec import parse_spec
from network.spec.load import DEFAULT_SPEC_PATH

Progress = Callable[[str], None]
CHAINCODE = "assetregistry"
CHAINCODE_MODULE = "chaincode"
# The payment-token bank of the story: an Org2 identity with the Fabric-CA attribute role=issuer
# (the default spec gives that role only to Org1's User1).
TREASURY = ("Org2MSP", "Treasury")


class DemoError(RuntimeError):
    """A demo step failed; the message says which step and why."""


def port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def planned_ports(base_port: int, orgs: int = 3) -> list[int]:
    """The ports the default spec's port plan (``network/spec/ports.py``) gives a network at ``base_port``:
    orderer grpc/admin/operations, each peer's grpc/chaincode/operations, and the first chaincode ports."""
    offset = base_port - 7050
    ports = [base_port, base_port + 3, 9443 + offset]
    for n in range(orgs):
        ports += [7051 + 1000 * n + offset, 7052 + 1000 * n + offset, 9444 + n + offset]
    ports += [9999 + offset + i for i in range(3)]
    return ports


def pick_base_port(attempts: int = 50) -> int:
    """A base port in 20000..50000 (steps of 1000) whose planned ports are all free right now."""
    for _ in range(attempts):
        base = random.randrange(20000, 50000, 1000)
        if all(port_free(p) for p in planned_ports(base)):
            return base
    raise DemoError("no free port range found in 20000-50000")


def default_spec_data(base_port: int | None) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(DEFAULT_SPEC_PATH.read_text())
    if base_port is not None:
        data["base_port"] = base_port
    return data


def ensure_network(netdir: Path, base_port: int | None, progress: Progress) -> NetworkLayout:
    """Generate the default consortium into ``netdir`` unless it already holds one. A network generated
    earlier keeps its ports; asking for another base port then is an error, not a silent surprise."""
    layout = NetworkLayout(netdir)
    if layout.resolved_spec_path().is_file():
        have = layout.spec.base_port
        if base_port is not None and have != base_port:
            raise DemoError(f"--base-port: {netdir} was generated with base_port {have}, not {base_port}; "
                            f"use another --netdir or omit --base-port")
        progress(f"using the network already generated in {netdir} (base_port {have})")
    else:
        busy = [p for p in planned_ports(base_port or 7050) if not port_free(p)]
        if busy:
            raise DemoError(f"--base-port: ports {busy} of the port plan are in use on 127.0.0.1; "
                            f"pass --base-port 0 to pick a free range")
        progress(f"generating the default consortium into {netdir}")
        generate(parse_spec(default_spec_data(base_port), str(DEFAULT_SPEC_PATH)), netdir, progress=progress)
    return NetworkLayout(netdir)


def ensure_treasury(layout: NetworkLayout, progress: Progress) -> NetworkLayout:
    """Issue Org2's Treasury identity once (``consortium add-user`` semantics: nothing else changes)."""
    msp, name = TREASURY
    if layout.user_dir(msp, name).exists():
        return layout
    add_user(layout.root, msp, name, role="client", attributes={"role": "issuer"})
    progress(f"issued {msp}/{name} with role=issuer (the payment-token bank)")
    return NetworkLayout(layout.root)


def up_and_deploy(layout: NetworkLayout, progress: Progress, timeout: float = 120.0) -> deploy.DeployResult:
    """Start every node not yet running, wait for health, then deploy the chaincode (idempotent)."""
    supervisor.up(layout.root, timeout=timeout, progress=progress)
    progress(f"deploying chaincode {CHAINCODE} (package, install, approve, commit, start the server)")
    return deploy.deploy(layout, CHAINCODE, module=CHAINCODE_MODULE, progress=progress)


def stop_chaincode(layout: NetworkLayout, progress: Progress) -> None:
    proc = deploy.chaincode_process(layout, CHAINCODE, CHAINCODE_MODULE)
    if processes.stop(proc):
        progress(f"{proc.host}: stopped")


def stop_network(netdir: Path, progress: Progress) -> None:
    layout = NetworkLayout(netdir)
    if not layout.resolved_spec_path().is_file():
        progress(f"no network in {netdir}: nothing to stop")
        return
    stop_chaincode(layout, progress)
    supervisor.down(netdir, progress)
