"""The channel config tree of section 7.1, built from a resolved spec and the generated MSP folders.

Mirrors configtxgen (``internal/configtxgen/encoder/encoder.go``: ``NewChannelGroup``, ``NewOrdererGroup``,
``NewOrdererOrgGroup``, ``NewApplicationGroup``, ``NewApplicationOrgGroup``): every group, value and policy has
``mod_policy = "Admins"`` and version 0. Decisions fixed for this project: Orderer capability V2_0, Application
V2_5, consensus ``etcdraft``; each orderer org carries ``Endpoints``. All endpoints are loopback (``127.0.0.1``),
which every TLS cert lists as a SAN.

The channel capability depends on the Fabric release line the config is for (:class:`ConfigProfile`). The default,
:data:`FABRIC_V3`, is Channel ``V3_0`` with no global ``OrdererAddresses``. :data:`FABRIC_V2_5` is the same tree with
Channel ``V2_0`` and the global ``OrdererAddresses`` value: v2.5 does not know ``V3_0``, and a v2.5 orderer refuses
our V3_0 block ("invalid join block: initializing channelconfig failed: Must set some OrdererAddresses", observed
with v2.5.16; the check is in ``common/channelconfig/channel.go``). configtxgen writes that value with mod_policy
``/Channel/Orderer/Admins`` (``internal/configtxgen/encoder/encoder.go`` ``NewChannelGroup``).
"""

from __future__ import annotations

from dataclasses import dataclass

from fabric_protos.common import configtx_pb2, configuration_pb2, policies_pb2
from fabric_protos.orderer import configuration_pb2 as orderer_cfg
from fabric_protos.orderer.etcdraft import configuration_pb2 as raft_cfg
from fabric_protos.peer import configuration_pb2 as peer_cfg
from google.protobuf.message import Message

from network.configtx.acls import DEFAULT_ACLS
from network.configtx.msp import msp_value
from network.configtx.policies import implicit_meta, org_default_policies, policy_from_rule
from network.layout import NetworkLayout
from network.spec.models import ChannelSpec, ConsortiumSpec, MemberOrgSpec, OrdererOrgSpec

ADMINS = "Admins"
LOOPBACK = "127.0.0.1"
CHANNEL_CAPABILITY = "V3_0"
V2_CHANNEL_CAPABILITY = "V2_0"
ORDERER_ADMINS = "/Channel/Orderer/Admins"
ORDERER_CAPABILITY = "V2_0"
APPLICATION_CAPABILITY = "V2_5"
HASHING_ALGORITHM = "SHA256"
BLOCK_DATA_HASHING_WIDTH = 2**32 - 1  # fixed by Fabric (common/channelconfig/util.go BlockDataHashingStructureValue)
CONSENSUS_TYPE = "etcdraft"
# Raft options of Fabric's sampleconfig/configtx.yaml (Orderer.EtcdRaft.Options).
RAFT_OPTIONS = raft_cfg.Options(
    tick_interval="500ms",
    election_tick=10,
    heartbeat_tick=1,
    max_inflight_blocks=5,
    snapshot_interval_size=16 * 1024 * 1024,
)


@dataclass(frozen=True)
class ConfigProfile:
    """What a Fabric release line needs in the root ``Channel`` group (everything below it is the same)."""

    channel_capability: str
    global_orderer_addresses: bool


FABRIC_V3 = ConfigProfile(CHANNEL_CAPABILITY, global_orderer_addresses=False)
FABRIC_V2_5 = ConfigProfile(V2_CHANNEL_CAPABILITY, global_orderer_addresses=True)


def profile_for_release(line: tuple[int, int]) -> ConfigProfile:
    """:data:`FABRIC_V2_5` for a v2.x release line, :data:`FABRIC_V3` otherwise (unknown lines are v3)."""
    return FABRIC_V2_5 if line[0] < 3 else FABRIC_V3


def config_value(message: Message, mod_policy: str = ADMINS) -> configtx_pb2.ConfigValue:
    return configtx_pb2.ConfigValue(value=message.SerializeToString(deterministic=True), mod_policy=mod_policy)


def config_policy(policy: policies_pb2.Policy) -> configtx_pb2.ConfigPolicy:
    return configtx_pb2.ConfigPolicy(policy=policy, mod_policy=ADMINS)


def capabilities(*names: str) -> configuration_pb2.Capabilities:
    return configuration_pb2.Capabilities(capabilities={n: configuration_pb2.Capability() for n in names})


def new_group(
    values: dict[str, Message], policies: dict[str, policies_pb2.Policy], groups: dict[str, configtx_pb2.ConfigGroup]
) -> configtx_pb2.ConfigGroup:
    group = configtx_pb2.ConfigGroup(mod_policy=ADMINS)
    for key, message in values.items():
        group.values[key].CopyFrom(config_value(message))
    for key, policy in policies.items():
        group.policies[key].CopyFrom(config_policy(policy))
    for key, child in groups.items():
        group.groups[key].CopyFrom(child)
    return group


def standard_policies(readers: str, writers: str, admins: str) -> dict[str, policies_pb2.Policy]:
    return {"Readers": implicit_meta(readers), "Writers": implicit_meta(writers), "Admins": implicit_meta(admins)}


def orderer_org_group(org: OrdererOrgSpec, layout: NetworkLayout) -> configtx_pb2.ConfigGroup:
    """MSP + Endpoints (required with V3_0: ``NewOrdererOrgGroup``); member/admin signature policies."""
    endpoints = configuration_pb2.OrdererAddresses(addresses=[f"{LOOPBACK}:{n.port}" for n in org.nodes])
    values: dict[str, Message] = {"MSP": msp_value(layout.org_msp_dir(org.msp_id), org.msp_id), "Endpoints": endpoints}
    return new_group(values, org_default_policies(org.msp_id, endorsement=False), {})


def raft_metadata(orgs: list[OrdererOrgSpec], layout: NetworkLayout) -> raft_cfg.ConfigMetadata:
    """Consenters carry the PEM *contents* of each node's TLS cert, used as both client and server cert."""
    consenters = []
    for org in orgs:
        for node in org.nodes:
            tls = layout.node_tls(layout.orderer_dir(node.name, org.msp_id)).cert.read_bytes()
            assert node.port is not None  # resolved spec
            consenters.append(
                raft_cfg.Consenter(host=LOOPBACK, port=node.port, client_tls_cert=tls, server_tls_cert=tls)
            )
    return raft_cfg.ConfigMetadata(consenters=consenters, options=RAFT_OPTIONS)


def orderer_group(channel: ChannelSpec, orgs: list[OrdererOrgSpec], layout: NetworkLayout) -> configtx_pb2.ConfigGroup:
    batch = channel.batch
    consensus = orderer_cfg.ConsensusType(
        type=CONSENSUS_TYPE,
        metadata=raft_metadata(orgs, layout).SerializeToString(deterministic=True),
        state=orderer_cfg.ConsensusType.STATE_NORMAL,
    )
    values: dict[str, Message] = {
        "BatchSize": orderer_cfg.BatchSize(
            max_message_count=batch.max_message_count,
            absolute_max_bytes=batch.absolute_max_bytes,
            preferred_max_bytes=batch.preferred_max_bytes,
        ),
        "BatchTimeout": orderer_cfg.BatchTimeout(timeout=batch.timeout),
        "Capabilities": capabilities(ORDERER_CAPABILITY),
        "ConsensusType": consensus,
    }
    policies = standard_policies("ANY Readers", "ANY Writers", "MAJORITY Admins")
    policies["BlockValidation"] = implicit_meta("ANY Writers")
    return new_group(values, policies, {org.name: orderer_org_group(org, layout) for org in orgs})


def application_org_group(org: MemberOrgSpec, layout: NetworkLayout) -> configtx_pb2.ConfigGroup:
    values: dict[str, Message] = {"MSP": msp_value(layout.org_msp_dir(org.msp_id), org.msp_id)}
    anchors = [peer_cfg.AnchorPeer(host=LOOPBACK, port=p.port or 0) for p in org.peers if p.anchor]
    if anchors:  # configtxgen writes AnchorPeers only when there are some
        values["AnchorPeers"] = peer_cfg.AnchorPeers(anchor_peers=anchors)
    return new_group(values, org_default_policies(org.msp_id, endorsement=True), {})


def application_group(
    channel: ChannelSpec, orgs: list[MemberOrgSpec], layout: NetworkLayout
) -> configtx_pb2.ConfigGroup:
    p = channel.policies
    policies = standard_policies(p.readers, p.writers, p.admins)
    policies["Endorsement"] = policy_from_rule(p.endorsement)
    policies["LifecycleEndorsement"] = policy_from_rule(p.lifecycle_endorsement)
    acls = peer_cfg.ACLs(acls={k: peer_cfg.APIResource(policy_ref=v) for k, v in DEFAULT_ACLS.items()})
    values: dict[str, Message] = {"Capabilities": capabilities(APPLICATION_CAPABILITY), "ACLs": acls}
    return new_group(values, policies, {org.name: application_org_group(org, layout) for org in orgs})


def global_orderer_addresses(orgs: list[OrdererOrgSpec]) -> configtx_pb2.ConfigValue:
    """Every orderer endpoint of the channel's orderer orgs, as the pre-V3_0 global ``OrdererAddresses`` value
    (deprecated in favour of the per-org ``Endpoints``, which stay; mod_policy as configtxgen writes it)."""
    addresses = [f"{LOOPBACK}:{node.port}" for org in orgs for node in org.nodes]
    return config_value(configuration_pb2.OrdererAddresses(addresses=addresses), ORDERER_ADMINS)


def channel_group(
    spec: ConsortiumSpec, channel_name: str, layout: NetworkLayout, profile: ConfigProfile = FABRIC_V3
) -> configtx_pb2.ConfigGroup:
    """The root ``Channel`` group of a channel defined in ``spec``, reading certs through ``layout``, for the
    Fabric release line ``profile`` describes (default v3: byte-identical to what it always was)."""
    channel = spec.channel(channel_name)
    member_orgs = [spec.member_org(m) for m in channel.orgs]
    orderer_orgs = [spec.orderer_org(m) for m in channel.orderer_orgs or []]
    values: dict[str, Message] = {
        "HashingAlgorithm": configuration_pb2.HashingAlgorithm(name=HASHING_ALGORITHM),
        "BlockDataHashingStructure": configuration_pb2.BlockDataHashingStructure(width=BLOCK_DATA_HASHING_WIDTH),
        "Capabilities": capabilities(profile.channel_capability),
    }
    p = channel.policies
    groups = {
        "Orderer": orderer_group(channel, orderer_orgs, layout),
        "Application": application_group(channel, member_orgs, layout),
    }
    group = new_group(values, standard_policies(p.readers, p.writers, p.admins), groups)
    if profile.global_orderer_addresses:
        group.values["OrdererAddresses"].CopyFrom(global_orderer_addresses(orderer_orgs))
    return group
