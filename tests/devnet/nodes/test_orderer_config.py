"""Which channels an orderer node serves, read from a generated network."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from devnet.nodes.devnet_support import free_base_port, make_network
from network.crypto.bootstrap import generate
from network.devnet.orderer.server import channel_genesis_blocks, find_orderer
from network.layout import NetworkLayout
from network.spec import parse_spec


def test_single_consenter_channel_is_served(tmp_path: Path) -> None:
    layout = make_network(tmp_path / "one", orgs=1)
    org, node = find_orderer(layout, "orderer0")
    assert list(channel_genesis_blocks(layout, org)) == ["testchannel"]
    with pytest.raises(KeyError, match="--name: no orderer node 'orderer9'"):
        find_orderer(layout, "orderer9")


def test_two_consenters_are_refused_rather_than_forking(tmp_path: Path) -> None:
    data = yaml.safe_load((Path(__file__).parents[3] / "network" / "consortium.yaml").read_text())
    data["base_port"] = free_base_port()
    data["orderer_orgs"][0]["nodes"].append({"name": "orderer1"})
    generate(parse_spec(data, "test"), tmp_path / "two")
    layout = NetworkLayout(tmp_path / "two")
    org, _ = find_orderer(layout, "orderer1")
    with pytest.raises(ValueError, match="exactly one consenter"):
        channel_genesis_blocks(layout, org)
