"""Channel config updates: read/write sets, versions, mod_policy authorisation, rebuilt config."""

from __future__ import annotations

import pytest
from fabric_protos.common import configtx_pb2
from fabric_protos.orderer import configuration_pb2 as orderer_cfg
from fabric_protos.peer import configuration_pb2 as peer_cfg

from devnet.fixtures.configtree import app_org_group, channel_group, config_block, config_update_envelope
from devnet.fixtures.pki import Member, Org
from network.devnet.channelconfig import (
    ChannelBundle,
    ConfigUpdateError,
    bundle_from_config,
    bundle_from_config_block,
    propose_config_update,
    validate_config_envelope,
)

CH = "mychannel"


@pytest.fixture
def bundle(org1: Org, org2: Org, orderer_org: Org) -> ChannelBundle:
    return bundle_from_config_block(config_block(CH, channel_group([org1, org2], [orderer_org])))


def copy(group: configtx_pb2.ConfigGroup) -> configtx_pb2.ConfigGroup:
    out = configtx_pb2.ConfigGroup()
    out.CopyFrom(group)
    return out


def anchor_write(bundle: ChannelBundle, host: str = "new.host") -> configtx_pb2.ConfigGroup:
    write = copy(bundle.config.channel_group)
    anchors = write.groups["Application"].groups["Org1MSP"].values["AnchorPeers"]
    anchors.version += 1
    anchors.value = peer_cfg.AnchorPeers(anchor_peers=[peer_cfg.AnchorPeer(host=host, port=9)]).SerializeToString()
    return write


def propose(bundle: ChannelBundle, write: configtx_pb2.ConfigGroup, *signers: Member) -> configtx_pb2.ConfigEnvelope:
    return propose_config_update(bundle, config_update_envelope(CH, bundle.config.channel_group, write, signers))


def test_anchor_peer_update_needs_the_org_admin(bundle: ChannelBundle, org1: Org, org2: Org) -> None:
    env = propose(bundle, anchor_write(bundle), org1.admin)
    new = bundle_from_config(CH, env.config)
    assert new.sequence == 1 and new.application_orgs["Org1MSP"].anchor_peers == (("new.host", 9),)
    validate_config_envelope(bundle, env)
    for wrong in (org2.admin, org1.client):
        with pytest.raises(ConfigUpdateError, match=r"policy for \[Value\]  /Channel/Application/Org1MSP/AnchorPeers"):
            propose(bundle, anchor_write(bundle), wrong)


def test_add_and_remove_org_need_majority_of_admins(bundle: ChannelBundle, org1: Org, org2: Org, org3: Org) -> None:
    write = copy(bundle.config.channel_group)
    app = write.groups["Application"]
    app.version += 1
    app.groups["Org3MSP"].CopyFrom(app_org_group(org3))
    with pytest.raises(ConfigUpdateError, match=r"\[Group\]  /Channel/Application not satisfied"):
        propose(bundle, write, org1.admin)
    env = propose(bundle, write, org1.admin, org2.admin)
    assert set(bundle_from_config(CH, env.config).application_orgs) == {"Org1MSP", "Org2MSP", "Org3MSP"}
    removal = copy(bundle.config.channel_group)
    removal.groups["Application"].version += 1
    del removal.groups["Application"].groups["Org2MSP"]
    env = propose(bundle, removal, org1.admin, org2.admin)
    assert set(bundle_from_config(CH, env.config).application_orgs) == {"Org1MSP"}


def test_orderer_batch_size_update(bundle: ChannelBundle, orderer_org: Org, org1: Org) -> None:
    write = copy(bundle.config.channel_group)
    bs = write.groups["Orderer"].values["BatchSize"]
    bs.version += 1
    bs.value = orderer_cfg.BatchSize(
        max_message_count=3, absolute_max_bytes=1 << 20, preferred_max_bytes=1 << 19
    ).SerializeToString()
    with pytest.raises(ConfigUpdateError, match="not satisfied"):
        propose(bundle, write, org1.admin)
    env = propose(bundle, write, orderer_org.admin)
    assert bundle_from_config(CH, env.config).batch_size.max_message_count == 3


def test_version_rules(bundle: ChannelBundle, org1: Org) -> None:
    current = bundle.config.channel_group
    stale_read = copy(current)
    stale_read.groups["Application"].version = 7
    with pytest.raises(ConfigUpdateError, match="be at version 7"):
        propose_config_update(bundle, config_update_envelope(CH, stale_read, anchor_write(bundle), [org1.admin]))
    with pytest.raises(ConfigUpdateError, match="delta set was empty"):
        propose(bundle, copy(current), org1.admin)
    skip = anchor_write(bundle)
    skip.groups["Application"].groups["Org1MSP"].values["AnchorPeers"].version += 1
    with pytest.raises(ConfigUpdateError, match="to version 2, but key is at version 0"):
        propose(bundle, skip, org1.admin)
    new_at_one = copy(current)
    new_at_one.groups["Application"].groups["Org1MSP"].values["Extra"].CopyFrom(
        configtx_pb2.ConfigValue(version=1, mod_policy="Admins")
    )
    with pytest.raises(ConfigUpdateError, match="key does not exist"):
        propose(bundle, new_at_one, org1.admin)


def test_malformed_updates(bundle: ChannelBundle, org1: Org) -> None:
    bad_key = anchor_write(bundle)
    bad_key.groups["Application"].groups["Org1MSP"].values["Bad_Key"].CopyFrom(configtx_pb2.ConfigValue())
    with pytest.raises(ConfigUpdateError, match="illegal characters"):
        propose(bundle, bad_key, org1.admin)
    no_mod = anchor_write(bundle)
    no_mod.groups["Application"].groups["Org1MSP"].values["AnchorPeers"].mod_policy = ""
    with pytest.raises(ConfigUpdateError, match="mod_policy not set"):
        propose(bundle, no_mod, org1.admin)
    other = config_update_envelope("otherchannel", bundle.config.channel_group, anchor_write(bundle), [org1.admin])
    with pytest.raises(ConfigUpdateError, match="otherchannel"):
        propose_config_update(bundle, other)


def test_validate_rejects_a_config_not_produced_by_its_update(bundle: ChannelBundle, org1: Org) -> None:
    env = propose(bundle, anchor_write(bundle), org1.admin)
    env.config.channel_group.groups["Application"].groups["Org1MSP"].values["AnchorPeers"].value = b""
    with pytest.raises(ConfigUpdateError, match="did not produce"):
        validate_config_envelope(bundle, env)
