"""Channel genesis blocks for Fabric v2.5 binaries.

The project's channel config targets v3 (channel capability ``V3_0``, orderer endpoints per orderer org
only; ``network/configtx/channel.py``). A v2.5 orderer rejects that block ("Must set some OrdererAddresses")
and a v2.5 peer would not know ``V3_0``. For v2.5 the back end therefore joins nodes with a variant of the
same config: channel capability ``V2_0`` and the global ``OrdererAddresses`` value (mod_policy
``/Channel/Orderer/Admins``, as configtxgen writes it: ``internal/configtxgen/encoder/encoder.go``
``NewChannelGroup``). Everything else -- orgs, MSPs, policies, consenters -- is byte-identical. The variant
lives in ``<netdir>/fabric/channel-artifacts/`` and is written once, so every node joins the same block.
"""

from __future__ import annotations

from pathlib import Path

from fabric_protos.common import configtx_pb2, configuration_pb2

from network.configtx.block import genesis_block
from network.configtx.channel import capabilities, channel_group, config_value
from network.crypto.files import FILE_MODE, replace_file
from network.layout import NetworkLayout

V2_CHANNEL_CAPABILITY = "V2_0"
ORDERER_ADMINS = "/Channel/Orderer/Admins"


def v2_channel_group(layout: NetworkLayout, channel: str) -> configtx_pb2.ConfigGroup:
    group = channel_group(layout.spec, channel, layout)
    group.values["Capabilities"].CopyFrom(config_value(capabilities(V2_CHANNEL_CAPABILITY)))
    orderer_orgs = layout.spec.channel(channel).orderer_orgs or []
    addresses = [f"127.0.0.1:{node.port}" for org, node in layout.spec.orderer_nodes() if org.msp_id in orderer_orgs]
    value = configuration_pb2.OrdererAddresses(addresses=addresses)
    group.values["OrdererAddresses"].CopyFrom(config_value(value, ORDERER_ADMINS))
    return group


def v2_block_path(layout: NetworkLayout, channel: str) -> Path:
    return layout.root / "fabric" / "channel-artifacts" / f"{channel}.v2_5.block"


def genesis_block_for(layout: NetworkLayout, channel: str, v2: bool) -> Path:
    """The block nodes join ``channel`` with: the project's own, or (v2.5) its written-once variant."""
    if not v2:
        return layout.genesis_block(channel)
    path = v2_block_path(layout, channel)
    if not path.is_file():
        block = genesis_block(channel, v2_channel_group(layout, channel))
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_file(path, block.SerializeToString(deterministic=True), FILE_MODE)
    return path
