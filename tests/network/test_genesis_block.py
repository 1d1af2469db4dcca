"""The genesis block: wire round-trip, hashes recomputed independently, and a config that matches the spec."""

from __future__ import annotations

import hashlib
import json

import pytest
from fabric_protos.common import common_pb2, configtx_pb2, configuration_pb2, policies_pb2
from fabric_protos.msp import msp_config_pb2, msp_principal_pb2
from fabric_protos.orderer import configuration_pb2 as orderer_cfg
from fabric_protos.orderer.etcdraft import configuration_pb2 as raft_cfg
from fabric_protos.peer import configuration_pb2 as peer_cfg
from hypothesis import given
from hypothesis import strategies as st

from network.cli import main
from network.configtx.block import block_header_bytes, block_header_hash
from network.layout import NetworkLayout
from network.spec import ConsortiumSpec


def hand_der_header(number: int, previous: bytes, data_hash: bytes) -> bytes:
    """DER of SEQUENCE{INTEGER, OCTET STRING, OCTET STRING}, written out byte by byte (short lengths only)."""
    n = number.to_bytes(max(1, (number.bit_length() + 7) // 8), "big")
    if n[0] & 0x80:
        n = b"\x00" + n
    body = b"\x02" + bytes([len(n)]) + n + b"\x04" + bytes([len(previous)]) + previous
    body += b"\x04" + bytes([len(data_hash)]) + data_hash
    assert len(body) < 128
    return b"\x30" + bytes([len(body)]) + body


@pytest.fixture(scope="module")
def block_bytes(generated: NetworkLayout) -> bytes:
    return generated.genesis_block("assetchannel").read_bytes()


@pytest.fixture(scope="module")
def block(block_bytes: bytes) -> common_pb2.Block:
    return common_pb2.Block.FromString(block_bytes)


@pytest.fixture(scope="module")
def payload(block: common_pb2.Block) -> common_pb2.Payload:
    envelope = common_pb2.Envelope.FromString(block.data.data[0])
    return common_pb2.Payload.FromString(envelope.payload)


@pytest.fixture(scope="module")
def channel_group(payload: common_pb2.Payload) -> configtx_pb2.ConfigGroup:
    return configtx_pb2.ConfigEnvelope.FromString(payload.data).config.channel_group


def test_block_round_trips(block_bytes: bytes, block: common_pb2.Block) -> None:
    assert block.SerializeToString(deterministic=True) == block_bytes
    assert len(block.data.data) == 1


def test_header_and_data_hash_match_independent_computation(block: common_pb2.Block) -> None:
    assert block.header.number == 0
    assert block.header.previous_hash == b""
    assert block.header.data_hash == hashlib.sha256(block.data.data[0]).digest()
    expected = b"\x30\x27\x02\x01\x00\x04\x00\x04\x20" + block.header.data_hash
    assert block_header_bytes(block.header) == expected
    assert block_header_hash(block.header) == hashlib.sha256(expected).digest()


@pytest.mark.parametrize("number", [0, 1, 127, 128, 255, 256, 65535, 2**31, 2**63, 2**64 - 1])
def test_header_der_integer_encoding(number: int) -> None:
    header = common_pb2.BlockHeader(number=number, previous_hash=b"\x01" * 32, data_hash=b"\x02" * 32)
    assert block_header_bytes(header) == hand_der_header(number, b"\x01" * 32, b"\x02" * 32)


def test_metadata_slots(block: common_pb2.Block) -> None:
    slots = list(block.metadata.metadata)
    assert len(slots) == 5 and slots[2:] == [b"", b"", b""]
    sig = common_pb2.Metadata.FromString(slots[common_pb2.SIGNATURES])
    assert list(sig.signatures) == []
    assert common_pb2.OrdererBlockMetadata.FromString(sig.value).last_config.index == 0
    last = common_pb2.Metadata.FromString(slots[common_pb2.LAST_CONFIG])
    assert common_pb2.LastConfig.FromString(last.value).index == 0


def test_envelope_headers_follow_genesis_factory(block: common_pb2.Block, payload: common_pb2.Payload) -> None:
    envelope = common_pb2.Envelope.FromString(block.data.data[0])
    assert envelope.signature == b""
    chdr = common_pb2.ChannelHeader.FromString(payload.header.channel_header)
    shdr = common_pb2.SignatureHeader.FromString(payload.header.signature_header)
    assert (chdr.type, chdr.version, chdr.channel_id, chdr.epoch) == (common_pb2.CONFIG, 1, "assetchannel", 0)
    assert chdr.timestamp.nanos == 0 and chdr.timestamp.seconds > 0
    assert shdr.creator == b"" and len(shdr.nonce) == 24
    assert chdr.tx_id == hashlib.sha256(shdr.nonce).hexdigest()
    assert configtx_pb2.ConfigEnvelope.FromString(payload.data).config.sequence == 0


def _capabilities(group: configtx_pb2.ConfigGroup) -> set[str]:
    return set(configuration_pb2.Capabilities.FromString(group.values["Capabilities"].value).capabilities)


def _implicit(group: configtx_pb2.ConfigGroup, name: str) -> tuple[str, str]:
    policy = group.policies[name].policy
    assert policy.type == policies_pb2.Policy.IMPLICIT_META
    meta = policies_pb2.ImplicitMetaPolicy.FromString(policy.value)
    return policies_pb2.ImplicitMetaPolicy.Rule.Name(meta.rule), meta.sub_policy


def _signature_roles(group: configtx_pb2.ConfigGroup, name: str) -> list[tuple[str, str]]:
    policy = group.policies[name].policy
    assert policy.type == policies_pb2.Policy.SIGNATURE
    envelope = policies_pb2.SignaturePolicyEnvelope.FromString(policy.value)
    assert envelope.rule.n_out_of.n == 1
    roles = []
    for principal in envelope.identities:
        role = msp_principal_pb2.MSPRole.FromString(principal.principal)
        roles.append((role.msp_identifier, msp_principal_pb2.MSPRole.MSPRoleType.Name(role.role)))
    return roles


def test_channel_level_values_and_policies(channel_group: configtx_pb2.ConfigGroup) -> None:
    assert set(channel_group.groups) == {"Orderer", "Application"}
    assert set(channel_group.values) == {"HashingAlgorithm", "BlockDataHashingStructure", "Capabilities"}
    assert "OrdererAddresses" not in channel_group.values  # forbidden with V3_0
    assert _capabilities(channel_group) == {"V3_0"}
    assert (
        configuration_pb2.HashingAlgorithm.FromString(channel_group.values["HashingAlgorithm"].value).name == "SHA256"
    )
    width = configuration_pb2.BlockDataHashingStructure.FromString(
        channel_group.values["BlockDataHashingStructure"].value
    )
    assert width.width == 2**32 - 1
    assert _implicit(channel_group, "Readers") == ("ANY", "Readers")
    assert _implicit(channel_group, "Writers") == ("ANY", "Writers")
    assert _implicit(channel_group, "Admins") == ("MAJORITY", "Admins")


def test_application_group_matches_spec(
    channel_group: configtx_pb2.ConfigGroup, generated: NetworkLayout, default_spec: ConsortiumSpec
) -> None:
    app = channel_group.groups["Application"]
    assert _capabilities(app) == {"V2_5"}
    assert _implicit(app, "Endorsement") == ("MAJORITY", "Endorsement")
    assert _implicit(app, "LifecycleEndorsement") == ("MAJORITY", "Endorsement")
    acls = peer_cfg.ACLs.FromString(app.values["ACLs"].value).acls
    assert acls["peer/Propose"].policy_ref == "/Channel/Application/Writers"
    assert set(app.groups) == {o.name for o in default_spec.member_orgs}
    for org in default_spec.member_orgs:
        group = app.groups[org.name]
        msp = msp_config_pb2.MSPConfig.FromString(group.values["MSP"].value)
        fabric = msp_config_pb2.FabricMSPConfig.FromString(msp.config)
        assert fabric.name == org.msp_id
        assert list(fabric.root_certs) == [generated.ca_cert(org.msp_id).read_bytes()]
        assert list(fabric.tls_root_certs) == [generated.tlsca_cert(org.msp_id).read_bytes()]
        assert not fabric.HasField("signing_identity") and list(fabric.admins) == []
        assert fabric.fabric_node_ous.enable
        assert fabric.fabric_node_ous.admin_ou_identifier.organizational_unit_identifier == "admin"
        assert fabric.fabric_node_ous.client_ou_identifier.certificate == generated.ca_cert(org.msp_id).read_bytes()
        assert _signature_roles(group, "Readers") == [(org.msp_id, "MEMBER")]
        assert _signature_roles(group, "Writers") == [(org.msp_id, "MEMBER")]
        assert _signature_roles(group, "Admins") == [(org.msp_id, "ADMIN")]
        assert _signature_roles(group, "Endorsement") == [(org.msp_id, "MEMBER")]
        anchors = peer_cfg.AnchorPeers.FromString(group.values["AnchorPeers"].value).anchor_peers
        assert [(a.host, a.port) for a in anchors] == [("127.0.0.1", org.peers[0].port)]


def test_orderer_group_matches_spec(channel_group: configtx_pb2.ConfigGroup, generated: NetworkLayout) -> None:
    orderer = channel_group.groups["Orderer"]
    assert _capabilities(orderer) == {"V2_0"}
    assert _implicit(orderer, "BlockValidation") == ("ANY", "Writers")
    batch = orderer_cfg.BatchSize.FromString(orderer.values["BatchSize"].value)
    assert (batch.max_message_count, batch.absolute_max_bytes, batch.preferred_max_bytes) == (10, 103809024, 524288)
    assert orderer_cfg.BatchTimeout.FromString(orderer.values["BatchTimeout"].value).timeout == "2s"
    consensus = orderer_cfg.ConsensusType.FromString(orderer.values["ConsensusType"].value)
    assert consensus.type == "etcdraft" and consensus.state == orderer_cfg.ConsensusType.STATE_NORMAL
    raft = raft_cfg.ConfigMetadata.FromString(consensus.metadata)
    tls = generated.node_tls(generated.orderer_dir("orderer0")).cert.read_bytes()
    assert [(c.host, c.port, c.client_tls_cert, c.server_tls_cert) for c in raft.consenters] == [
        ("127.0.0.1", 7050, tls, tls)
    ]
    assert raft.options.tick_interval == "500ms" and raft.options.election_tick == 10
    org = orderer.groups["OrdererOrg"]
    assert list(configuration_pb2.OrdererAddresses.FromString(org.values["Endpoints"].value).addresses) == [
        "127.0.0.1:7050"
    ]
    assert _signature_roles(org, "Admins") == [("OrdererMSP", "ADMIN")]


def _walk(group: configtx_pb2.ConfigGroup) -> list[str]:
    mods = [group.mod_policy]
    mods += [v.mod_policy for v in group.values.values()] + [p.mod_policy for p in group.policies.values()]
    for child in group.groups.values():
        mods += _walk(child)
    return mods


def test_every_mod_policy_is_admins(channel_group: configtx_pb2.ConfigGroup) -> None:
    assert set(_walk(channel_group)) == {"Admins"}


def test_decode_cli_prints_nested_json(generated: NetworkLayout, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decode", str(generated.genesis_block("assetchannel"))]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["header"]["number"] == "0"
    payload = doc["data"]["data"][0]["payload"]
    assert payload["header"]["channel_header"]["channel_id"] == "assetchannel"
    group = payload["data"]["config"]["channel_group"]
    org1 = group["groups"]["Application"]["groups"]["Org1"]
    assert org1["values"]["MSP"]["value"]["config"]["name"] == "Org1MSP"
    rule = org1["policies"]["Admins"]["policy"]["value"]
    assert rule["identities"][0]["principal"] == {"msp_identifier": "Org1MSP", "role": "ADMIN"}
    endorsement = group["groups"]["Application"]["policies"]["Endorsement"]["policy"]
    assert endorsement["type"] == 3 and endorsement["value"] == {"sub_policy": "Endorsement", "rule": "MAJORITY"}
    consensus = group["groups"]["Orderer"]["values"]["ConsensusType"]["value"]
    assert consensus["metadata"]["consenters"][0]["port"] == 7050
    assert doc["metadata"]["metadata"][1]["value"] == {"index": "0"}


def test_decode_rejects_unknown_type(generated: NetworkLayout, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["decode", str(generated.genesis_block("assetchannel")), "--type", "common.Nope"])
    assert "invalid choice" in capsys.readouterr().err


@given(
    number=st.integers(min_value=0, max_value=2**64 - 1),
    previous=st.binary(min_size=0, max_size=32),
    data_hash=st.binary(min_size=0, max_size=32),
)
def test_header_der_matches_hand_encoding_property(number: int, previous: bytes, data_hash: bytes) -> None:
    header = common_pb2.BlockHeader(number=number, previous_hash=previous, data_hash=data_hash)
    assert block_header_bytes(header) == hand_der_header(number, previous, data_hash)
