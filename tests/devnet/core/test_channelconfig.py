"""Channel bundle from a config block: policies by path, ACL defaults and overrides, orderer values, orgs."""

from __future__ import annotations

import pytest
from fabric_protos.common import common_pb2
from fabric_protos.orderer import configuration_pb2 as ocfg

from devnet.fixtures.configtree import channel_group, config_block
from devnet.fixtures.pki import Member, Org
from network.devnet.channelconfig import ConfigError, SignedData, bundle_from_config_block
from network.devnet.channelconfig.duration import parse_go_duration
from network.devnet.msp import IdentityError

MSG = b"request"


def signed(*members: Member) -> list[SignedData]:
    return [SignedData(MSG, m.serialized, m.sign(MSG)) for m in members]


def test_bundle_basics(org1: Org, org2: Org, orderer_org: Org) -> None:
    b = bundle_from_config_block(config_block("mychannel", channel_group([org1, org2], [orderer_org])))
    assert (b.channel_id, b.sequence, b.config_block_number) == ("mychannel", 0, 0)
    assert set(b.application_orgs) == {"Org1MSP", "Org2MSP"} and set(b.orderer_orgs) == {"OrdererMSP"}
    assert b.application_orgs["Org1MSP"].anchor_peers == (("peer0.Org1MSP", 7051),)
    assert b.orderer_addresses == ("127.0.0.1:7050",)
    assert b.batch_size.max_message_count == 10 and b.batch_timeout == 0.25
    assert b.consensus_type == "etcdraft" and b.lifecycle_v20
    assert b.has_capability("channel", "V3_0")
    ident = b.msp_manager.deserialize_identity(org2.client.serialized)
    assert ident.mspid == "Org2MSP" and ident.is_valid()
    with pytest.raises(IdentityError):
        b.msp_manager.deserialize_identity(Org.create("StrangerMSP").client.serialized)


def test_policies_by_path(org1: Org, org2: Org, orderer_org: Org) -> None:
    b = bundle_from_config_block(config_block("ch", channel_group([org1, org2], [orderer_org])))
    writers = b.policy("/Channel/Application/Writers")
    assert writers.evaluate(signed(org1.client)) and not writers.evaluate(signed(org1.peer))
    endorsement = b.policy("/Channel/Application/Endorsement")  # MAJORITY of 2 orgs = both
    assert not endorsement.evaluate(signed(org1.peer))
    assert endorsement.evaluate(signed(org1.peer, org2.peer))
    assert b.policy("/Channel/Application/Org1MSP/Endorsement").evaluate(signed(org1.peer))
    assert b.policy("/Channel/Orderer/BlockValidation").evaluate(signed(orderer_org.orderer))
    assert not b.policy("/Channel/Orderer/BlockValidation").evaluate(signed(org1.peer))
    assert b.policy("/Channel/Writers").evaluate(signed(org2.client))
    assert not b.policy("/Channel/Application/NoSuchPolicy").evaluate(signed(org1.admin))
    assert not b.has_policy("/Channel/Application/NoSuchPolicy")
    admins = b.policy("/Channel/Application/Admins")
    assert not admins.evaluate(signed(org1.admin)) and admins.evaluate(signed(org1.admin, org2.admin))


def test_acl_defaults_and_overrides(org1: Org, orderer_org: Org) -> None:
    plain = bundle_from_config_block(config_block("ch", channel_group([org1], [orderer_org])))
    assert plain.acl_policy("peer/Propose") == "/Channel/Application/Writers"
    assert plain.acl_policy("event/Block") == "/Channel/Application/Readers"
    assert plain.acl_policy("gateway/CommitStatus") == "/Channel/Application/Readers"
    assert plain.acl_policy("qscc/GetChainInfo") == "/Channel/Application/Readers"
    assert plain.acl_policy("_lifecycle/CommitChaincodeDefinition") == "/Channel/Application/Writers"
    assert plain.acl_policy("_lifecycle/InstallChaincode") == "Admins"
    assert plain.acl_policy("cscc/GetChannels") == "Members"
    with pytest.raises(KeyError, match="resource"):
        plain.acl_policy("peer/Teleport")
    assert plain.check_acl("event/Block", signed(org1.peer))
    with pytest.raises(ValueError, match="local MSP"):
        plain.check_acl("_lifecycle/InstallChaincode", signed(org1.admin))
    custom = bundle_from_config_block(
        config_block(
            "ch",
            channel_group([org1], [orderer_org], acls={"event/Block": "Admins", "peer/Propose": "/Channel/Readers"}),
        )
    )
    assert custom.acl_policy("event/Block") == "/Channel/Application/Admins"
    assert custom.acl_policy("peer/Propose") == "/Channel/Readers"
    assert not custom.check_acl("event/Block", signed(org1.peer))
    assert custom.check_acl("event/Block", signed(org1.admin))


def test_bad_config_blocks_name_the_field(org1: Org, orderer_org: Org) -> None:
    good = config_block("ch", channel_group([org1], [orderer_org]))
    two = common_pb2.Block()
    two.CopyFrom(good)
    two.data.data.append(good.data.data[0])
    with pytest.raises(ConfigError, match="block.data"):
        bundle_from_config_block(two)
    group = channel_group([org1], [orderer_org])
    group.groups["Application"].groups["Org1MSP"].values["MSP"].value = b"\xff\xff"
    with pytest.raises(ConfigError, match="/Channel/Application/Org1MSP/MSP"):
        bundle_from_config_block(config_block("ch", group))
    group = channel_group([org1], [orderer_org])
    group.groups["Orderer"].values["BatchTimeout"].value = ocfg.BatchTimeout(timeout="soon").SerializeToString()
    with pytest.raises(ConfigError, match="BatchTimeout"):
        bundle_from_config_block(config_block("ch", group))


@pytest.mark.parametrize(
    "text, seconds", [("2s", 2.0), ("500ms", 0.5), ("1m30s", 90.0), ("1.5s", 1.5), ("0", 0.0), ("1h", 3600.0)]
)
def test_go_durations(text: str, seconds: float) -> None:
    assert parse_go_duration(text) == pytest.approx(seconds)
