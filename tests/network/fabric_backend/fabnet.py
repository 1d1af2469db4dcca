"""Helpers for the Fabric back-end tests: specs on free loopback ports, official-binary detection."""

from __future__ import annotations

import random
import socket
from typing import Any

import yaml

from network.fabric.binaries import find_binary
from network.fabric.default_spec import with_orderer_count
from network.spec import DEFAULT_SPEC_PATH, ConsortiumSpec, parse_spec
from network.spec.ports import CHAINCODE_PORT_COUNT

NEW_ORG: dict[str, Any] = {
    "name": "Org4",
    "msp_id": "Org4MSP",
    "domain": "org4.example.com",
    "peers": [{"name": "peer0"}],
    "users": [{"name": "User1"}],
}


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def spec_ports(spec: ConsortiumSpec) -> list[int]:
    ports = [p for _, n in spec.orderer_nodes() for p in (n.port, n.admin_port, n.operations_port) if p]
    ports += [p for _, n in spec.peers() for p in (n.port, n.chaincode_port, n.operations_port) if p]
    base = spec.chaincode_base_port or 0
    return ports + list(range(base, base + CHAINCODE_PORT_COUNT))


def spec_on_free_ports(orderers: int = 3, extra_org: bool = True) -> ConsortiumSpec:
    """The default consortium (``orderers`` raft nodes) shifted to a ``base_port`` whose every port is free.

    The port plan derives all ports from ``base_port``; the OS cannot hand out a whole plan at once, so we
    probe random bases (and, with ``extra_org``, the ports a fourth org would take) until all bind.
    """
    data = with_orderer_count(yaml.safe_load(DEFAULT_SPEC_PATH.read_text()), orderers)
    rng = random.Random()
    for _ in range(200):
        data["base_port"] = rng.randrange(20000, 48000)
        spec = parse_spec(data)
        probe = spec
        if extra_org:
            grown = spec.model_dump(mode="json")
            grown["member_orgs"].append(NEW_ORG)
            for org in grown["member_orgs"][-1:]:
                org.pop("users", None)
            probe = parse_spec({**grown, "base_port": data["base_port"]})
        if all(_bindable(p) for p in spec_ports(probe)):
            return spec
    raise RuntimeError("no free loopback port range found")


def fabric_binaries_present() -> bool:
    return find_binary("peer") is not None and find_binary("orderer") is not None
