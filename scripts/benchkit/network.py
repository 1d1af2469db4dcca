"""A benchmark network: the default consortium spec on a free, shifted port range in a temp directory.

Benchmarks must not collide with a developer's devnet (default ports) or with each other, so every port the
resolved spec plans (orderers, peers, operations, chaincode range) is checked free before generating.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path
from typing import Any

import yaml

from network.crypto.bootstrap import generate
from network.layout import NetworkLayout
from network.spec import parse_spec
from network.spec.models import ConsortiumSpec
from network.spec.ports import CHAINCODE_PORT_COUNT

REPO = Path(__file__).resolve().parents[2]
DEFAULT_SPEC = REPO / "network" / "consortium.yaml"
CHANNEL = "benchchannel"
OPERATOR = "Operator1"


def port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def planned_ports(spec: ConsortiumSpec) -> list[int]:
    """Every port the resolved spec will bind on loopback."""
    ports: list[int] = []
    for _, node in spec.orderer_nodes():
        ports += [p for p in (node.port, node.admin_port, node.operations_port) if p]
    for _, peer in spec.peers():
        ports += [p for p in (peer.port, peer.chaincode_port, peer.operations_port) if p]
    cc = spec.chaincode_base_port or 0
    ports += list(range(cc, cc + CHAINCODE_PORT_COUNT)) if cc else []
    return ports


def bench_spec_data(orgs: int, batch_size: int, batch_timeout_ms: int, base_port: int) -> dict[str, Any]:
    """The default consortium cut to ``orgs`` member orgs, one channel with MAJORITY endorsement, and an
    ``Operator1`` user in Org1 holding role ``operator`` (the asset chaincode lets it move any Org1 account)."""
    data = yaml.safe_load(DEFAULT_SPEC.read_text())
    if not 1 <= orgs <= len(data["member_orgs"]):
        raise ValueError(f"orgs: must be 1..{len(data['member_orgs'])}, got {orgs}")
    data["name"] = "benchnet"
    data["base_port"] = base_port
    data["member_orgs"] = data["member_orgs"][:orgs]
    data["member_orgs"][0].setdefault("users", []).append({"name": OPERATOR, "attributes": {"role": "operator"}})
    msps = [o["msp_id"] for o in data["member_orgs"]]
    data["channels"] = [{
        "name": CHANNEL,
        "orgs": msps,
        "batch": {"max_message_count": batch_size, "timeout": f"{batch_timeout_ms}ms"},
        "policies": {"readers": "ANY Readers", "writers": "ANY Writers", "admins": "MAJORITY Admins",
                     "endorsement": "MAJORITY Endorsement", "lifecycle_endorsement": "MAJORITY Endorsement"},
    }]
    return data


def free_spec(orgs: int, batch_size: int, batch_timeout_ms: int, attempts: int = 50) -> ConsortiumSpec:
    """A resolved spec whose every planned port is currently free (random shifted base ports)."""
    for _ in range(attempts):
        base = random.randrange(20000, 55000, 10)
        spec = parse_spec(bench_spec_data(orgs, batch_size, batch_timeout_ms, base), "benchmark")
        if all(port_free(p) for p in planned_ports(spec)):
            return spec
    raise RuntimeError(f"no free port range found in {attempts} attempts")


def generate_network(root: Path, orgs: int, batch_size: int, batch_timeout_ms: int) -> NetworkLayout:
    generate(free_spec(orgs, batch_size, batch_timeout_ms), root)
    return NetworkLayout(root)
