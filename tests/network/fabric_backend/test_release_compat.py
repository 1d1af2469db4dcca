"""v2.5 vs v3.x: release detection, the peer template variants and the V2_0 genesis-block variant."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from fabric_protos.common import common_pb2, configtx_pb2, configuration_pb2

from network.configtx.channel import FABRIC_V2_5, FABRIC_V3, ORDERER_ADMINS, channel_group, profile_for_release
from network.fabric.add_org import config_from_block
from network.fabric.genesis import genesis_block_for
from network.fabric.peer_config import peer_core_config
from network.fabric.release import VERSION_ENV, release_line
from network.layout import NetworkLayout


def _fake_peer(tmp_path: Path, version: str) -> Path:
    peer = tmp_path / "peer"
    peer.write_text(f"#!/bin/sh\necho 'peer:'\necho ' Version: {version}'\necho ' Commit SHA: abc'\n")
    peer.chmod(peer.stat().st_mode | stat.S_IXUSR)
    return peer


def test_release_line_comes_from_peer_version_or_the_override(tmp_path: Path) -> None:
    assert release_line(_fake_peer(tmp_path, "v2.5.16"), {}) == (2, 5)
    assert release_line(_fake_peer(tmp_path, "latest"), {}) == (3, 1)  # development builds: treated as v3
    assert release_line(None, {VERSION_ENV: "2.5"}) == (2, 5)
    with pytest.raises(ValueError, match=VERSION_ENV):
        release_line(None, {VERSION_ENV: "two"})


def test_v2_peer_template_leaves_out_what_v2_5_does_not_know(fabric_layout: NetworkLayout, tmp_path: Path) -> None:
    v3 = peer_core_config(fabric_layout, "Org1MSP", "peer0", tmp_path, line=(3, 1))
    v2 = peer_core_config(fabric_layout, "Org1MSP", "peer0", tmp_path, line=(2, 5))
    names = [f["name"] for f in v2["peer"]["handlers"]["authFilters"]]
    assert names == ["DefaultAuth", "ExpirationCheck"]  # a v2.5 peer panics on TimeWindowCheck
    assert "TimeWindowCheck" in [f["name"] for f in v3["peer"]["handlers"]["authFilters"]]
    assert "runtimeParams" in v3["chaincode"] and "runtimeParams" not in v2["chaincode"]
    assert "policy" in v3["peer"]["deliveryclient"] and "policy" not in v2["peer"]["deliveryclient"]


def _config(path: Path) -> configtx_pb2.Config:
    return config_from_block(common_pb2.Block.FromString(path.read_bytes()))


def test_v2_genesis_variant_differs_only_in_capability_and_orderer_addresses(fabric_layout: NetworkLayout) -> None:
    layout = NetworkLayout(fabric_layout.root)
    channel = layout.spec.channels[0].name
    assert genesis_block_for(layout, channel, (3, 1)) == layout.genesis_block(channel)
    path = genesis_block_for(layout, channel, (2, 5))
    first = path.read_bytes()
    assert genesis_block_for(layout, channel, (2, 5)).read_bytes() == first  # written once: every node joins it
    v3, v2 = _config(layout.genesis_block(channel)), _config(path)
    v2_values, v3_values = v2.channel_group.values, v3.channel_group.values
    caps = configuration_pb2.Capabilities.FromString(v2_values["Capabilities"].value)
    assert list(caps.capabilities) == ["V2_0"]
    addresses = v2_values["OrdererAddresses"]
    assert addresses.mod_policy == ORDERER_ADMINS
    assert list(configuration_pb2.OrdererAddresses.FromString(addresses.value).addresses) == [
        f"127.0.0.1:{n.port}" for _, n in layout.spec.orderer_nodes()
    ]
    assert v2.channel_group.groups == v3.channel_group.groups
    assert v2.channel_group.policies == v3.channel_group.policies
    assert set(v2_values) - set(v3_values) == {"OrdererAddresses"}


def test_default_channel_config_is_the_v3_profile_generate_wrote(fabric_layout: NetworkLayout) -> None:
    """The profile option must not change the default: the block ``generate`` wrote, ``channel_group`` without a
    profile and with :data:`FABRIC_V3` serialize to the same bytes (Channel ``V3_0``, no global addresses)."""
    layout = NetworkLayout(fabric_layout.root)
    for channel in layout.spec.channels:
        default = channel_group(layout.spec, channel.name, layout).SerializeToString(deterministic=True)
        explicit = channel_group(layout.spec, channel.name, layout, FABRIC_V3).SerializeToString(deterministic=True)
        written = _config(layout.genesis_block(channel.name)).channel_group.SerializeToString(deterministic=True)
        assert default == explicit == written
        values = _config(layout.genesis_block(channel.name)).channel_group.values
        assert list(configuration_pb2.Capabilities.FromString(values["Capabilities"].value).capabilities) == ["V3_0"]
        assert "OrdererAddresses" not in values


def test_release_lines_map_to_config_profiles() -> None:
    assert profile_for_release((2, 5)) == FABRIC_V2_5
    assert profile_for_release((3, 0)) == profile_for_release((3, 1)) == FABRIC_V3
    assert FABRIC_V2_5.channel_capability == "V2_0" and FABRIC_V2_5.global_orderer_addresses
    assert FABRIC_V3.channel_capability == "V3_0" and not FABRIC_V3.global_orderer_addresses
