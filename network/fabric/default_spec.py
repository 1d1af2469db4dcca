"""The default spec of the Fabric back end: the project's default consortium with three raft orderers.

A single raft node has no fault tolerance; production-like networks on official binaries run three
consenters (tolerating one failure), so when ``up --backend fabric`` must generate a network and no spec is
given, the default spec's first orderer org gets ``orderer0..orderer2``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from network.spec import DEFAULT_SPEC_PATH, ConsortiumSpec, parse_spec

DEFAULT_ORDERER_COUNT = 3


def with_orderer_count(data: dict[str, Any], count: int = DEFAULT_ORDERER_COUNT) -> dict[str, Any]:
    """A copy of a raw spec mapping whose first orderer org has ``count`` nodes (kept ones stay first)."""
    if count < 1:
        raise ValueError("orderer count: must be at least 1")
    orgs = [dict(org) for org in data["orderer_orgs"]]
    nodes = list(orgs[0]["nodes"])
    names = {node["name"] for node in nodes}
    index = 0
    while len(nodes) < count:
        name = f"orderer{index}"
        if name not in names:
            nodes.append({"name": name})
            names.add(name)
        index += 1
    orgs[0]["nodes"] = nodes
    return {**data, "orderer_orgs": orgs}


def fabric_default_spec(path: Path = DEFAULT_SPEC_PATH) -> ConsortiumSpec:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return parse_spec(with_orderer_count(data), f"{path} (three raft orderers)")
