"""A benchmark network: the default consortium spec on a free, shifted port range in a temp directory.

Benchmarks must not collide with a developer's devnet (default ports) or with each other, so every port the
resolved spec plans (``network.spec.ports.planned_ports``) is checked free before generating.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from network.crypto.bootstrap import generate
from network.layout import NetworkLayout
from network.spec.freeports import spec_on_free_ports
from network.spec.models import ConsortiumSpec

REPO = Path(__file__).resolve().parents[2]
DEFAULT_SPEC = REPO / "network" / "consortium.yaml"
CHANNEL = "benchchannel"
OPERATOR = "Operator1"


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


def free_spec(orgs: int, batch_size: int, batch_timeout_ms: int) -> ConsortiumSpec:
    """A resolved spec whose every planned port is currently free (``network.spec.freeports``)."""
    return spec_on_free_ports(bench_spec_data(orgs, batch_size, batch_timeout_ms, 0), "benchmark")


def generate_network(root: Path, orgs: int, batch_size: int, batch_timeout_ms: int) -> NetworkLayout:
    generate(free_spec(orgs, batch_size, batch_timeout_ms), root)
    return NetworkLayout(root)
