"""The orderer's CONFIG_UPDATE path (``common/configtx/validator.go``, shared with the peer) against a real
generated channel config. Element keys and messages are Fabric's (``[Value]  /Channel/...``)."""

from __future__ import annotations

import pytest
from fabric_protos.common import common_pb2, configtx_pb2
from fabric_protos.orderer import configuration_pb2

from devnet.nodes.devnet_support import CHANNEL, batch_size_update, make_network, user
from network.devnet.channelconfig import bundle_from_config_block
from network.devnet.channelconfig.update import GROUP, map_config
from network.devnet.orderer.configupdate import ConfigUpdateError, propose_config_update
from network.layout import NetworkLayout


@pytest.fixture(scope="module")
def layout(tmp_path_factory: pytest.TempPathFactory) -> NetworkLayout:
    return make_network(tmp_path_factory.mktemp("cu"), orgs=1)


def _genesis(layout: NetworkLayout) -> common_pb2.Block:
    return common_pb2.Block.FromString(layout.genesis_block(CHANNEL).read_bytes())


def _update_data(envelope: common_pb2.Envelope) -> bytes:
    return common_pb2.Payload.FromString(envelope.payload).data


def test_admin_signed_update_yields_next_sequence_with_only_that_value_changed(layout: NetworkLayout) -> None:
    genesis = _genesis(layout)
    bundle = bundle_from_config_block(genesis)
    update = batch_size_update(layout, CHANNEL, genesis, 7, [user(layout, "OrdererMSP", "Admin")])
    config = propose_config_update(_update_data(update), bundle)
    assert config.sequence == bundle.sequence + 1
    before, after = map_config(bundle.config.channel_group), map_config(config.channel_group)
    changed = {k for k in before if before[k].message != after[k].message and before[k].kind != GROUP}
    assert changed == {"[Value]  /Channel/Orderer/BatchSize"}
    value = after["[Value]  /Channel/Orderer/BatchSize"]
    assert value.version == 1
    assert configuration_pb2.BatchSize.FromString(value.message.value).max_message_count == 7


def test_update_signed_by_a_member_fails_the_mod_policy(layout: NetworkLayout) -> None:
    genesis = _genesis(layout)
    update = batch_size_update(layout, CHANNEL, genesis, 7, [user(layout)])
    with pytest.raises(ConfigUpdateError, match=r"policy for \[Value\]  /Channel/Orderer/BatchSize not satisfied"):
        propose_config_update(_update_data(update), bundle_from_config_block(genesis))


def test_stale_read_set_and_wrong_channel_and_empty_delta_are_refused(layout: NetworkLayout) -> None:
    genesis = _genesis(layout)
    bundle = bundle_from_config_block(genesis)
    admin = [user(layout, "OrdererMSP", "Admin")]
    envelope = configtx_pb2.ConfigUpdateEnvelope.FromString(
        _update_data(batch_size_update(layout, CHANNEL, genesis, 7, admin))
    )
    update = configtx_pb2.ConfigUpdate.FromString(envelope.config_update)

    stale = configtx_pb2.ConfigUpdate()
    stale.CopyFrom(update)
    stale.read_set.groups["Orderer"].version = 5
    with pytest.raises(ConfigUpdateError, match="be at version 5"):
        propose_config_update(_envelope(stale, envelope), bundle)

    other = configtx_pb2.ConfigUpdate()
    other.CopyFrom(update)
    other.channel_id = "elsewhere"
    with pytest.raises(
        ConfigUpdateError, match="ConfigUpdate for channel 'elsewhere' but envelope for channel 'testchannel'"
    ):
        propose_config_update(_envelope(other, envelope), bundle)

    empty = configtx_pb2.ConfigUpdate(channel_id=CHANNEL, read_set=update.read_set, write_set=update.read_set)
    with pytest.raises(ConfigUpdateError, match="delta set was empty"):
        propose_config_update(_envelope(empty, envelope), bundle)


def _envelope(update: configtx_pb2.ConfigUpdate, signed: configtx_pb2.ConfigUpdateEnvelope) -> bytes:
    # signatures no longer match the changed update; the rules under test fire before policy evaluation
    return configtx_pb2.ConfigUpdateEnvelope(
        config_update=update.SerializeToString(), signatures=signed.signatures
    ).SerializeToString()
