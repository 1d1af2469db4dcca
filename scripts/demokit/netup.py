"""Bring the consortium up on devnet, deploy the asset chaincode, and stop everything again.

Only library calls are used (``network.crypto.bootstrap.generate``, ``supervisor.up``, ``deploy.deploy``):
the demo does what ``consortium generate / up / deploy`` do, so a network it leaves running is an ordinary
devnet that ``consortium status / down`` understand.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from network.crypto.bootstrap import add_user, generate
from network.devnet import deploy
from network.devnet.node import supervisor
from network.layout import NetworkLayout
from network.spec import parse_spec
from network.spec.freeports import free_base_port, port_free
from network.spec.load import DEFAULT_SPEC_PATH
from network.spec.ports import planned_ports

Progress = Callable[[str], None]
CHAINCODE = "assetregistry"
CHAINCODE_MODULE = "chaincode"
# The payment-token bank of the story: an Org2 identity with the Fabric-CA attribute role=issuer
# (the default spec gives that role only to Org1's User1).
TREASURY = ("Org2MSP", "Treasury")


class DemoError(RuntimeError):
    """A demo step failed; the message says which step and why."""


def pick_base_port() -> int:
    """A base port at which the default spec's whole port plan is free right now."""
    try:
        return free_base_port(default_spec_data(None))
    except RuntimeError as exc:
        raise DemoError(str(exc)) from exc


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
        plan = planned_ports(parse_spec(default_spec_data(base_port), str(DEFAULT_SPEC_PATH)))
        busy = [p for p in plan if not port_free(p)]
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


def stop_network(netdir: Path, progress: Progress) -> None:
    """``consortium down``: the chaincode servers deploy started, then the nodes."""
    supervisor.down(netdir, progress)
