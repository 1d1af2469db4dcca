"""The genesis block each node joins a channel with, for the release line of the installed binaries.

v3.x nodes join the block ``generate`` wrote (``<netdir>/channel-artifacts/<channel>.block``). v2.5 nodes need
the :data:`network.configtx.channel.FABRIC_V2_5` variant of the same config (channel capability ``V2_0``, global
``OrdererAddresses``; orgs, MSPs, policies and consenters identical). That variant is written once, under
``<netdir>/fabric/channel-artifacts/``, because every node of a channel must join the very same block 0 (its
nonce makes each build of it different).
"""

from __future__ import annotations

from pathlib import Path

from network.configtx.block import genesis_block
from network.configtx.channel import FABRIC_V3, channel_group, profile_for_release
from network.crypto.files import FILE_MODE, replace_file
from network.layout import NetworkLayout


def variant_block_path(layout: NetworkLayout, channel: str) -> Path:
    return layout.root / "fabric" / "channel-artifacts" / f"{channel}.v2_5.block"


def genesis_block_for(layout: NetworkLayout, channel: str, line: tuple[int, int]) -> Path:
    """The block nodes of release ``line`` join ``channel`` with: the project's own, or its written-once variant."""
    profile = profile_for_release(line)
    if profile == FABRIC_V3:
        return layout.genesis_block(channel)
    path = variant_block_path(layout, channel)
    if not path.is_file():
        block = genesis_block(channel, channel_group(layout.spec, channel, layout, profile))
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_file(path, block.SerializeToString(deterministic=True), FILE_MODE)
    return path
