"""A channel's configuration, parsed from its latest config block (``common/channelconfig/bundle.go``).

The bundle bundles what every component needs from the config: the channel MSP manager (all application
and orderer org MSPs), the policy tree, peer ACLs, orderer batching parameters, capabilities and the
organisations with their anchor peers / orderer endpoints. It is immutable: a new config block yields a
new bundle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fabric_protos.common import common_pb2, configtx_pb2, configuration_pb2
from fabric_protos.msp import msp_config_pb2
from fabric_protos.orderer import configuration_pb2 as orderer_cfg
from fabric_protos.peer import configuration_pb2 as peer_cfg
from google.protobuf.message import DecodeError, Message

from network.devnet.channelconfig.acls import channel_acl_overrides, is_local_acl, resolve_acl
from network.devnet.channelconfig.duration import parse_go_duration
from network.devnet.msp import X509MSP, MSPConfigError, MSPManager
from network.devnet.policy import Policy, PolicyError, PolicyManager, SignedData

CHANNEL, ORDERER, APPLICATION = "Channel", "Orderer", "Application"
FABRIC_MSP = 0


class ConfigError(ValueError):
    """The config block or one of its values is unusable; the message names the offending path."""


@dataclass(frozen=True)
class OrgInfo:
    name: str
    mspid: str
    anchor_peers: tuple[tuple[str, int], ...] = ()
    endpoints: tuple[str, ...] = ()


@dataclass(frozen=True)
class BatchSize:
    max_message_count: int
    absolute_max_bytes: int
    preferred_max_bytes: int


@dataclass
class ChannelBundle:
    channel_id: str
    sequence: int
    config: configtx_pb2.Config
    config_block_number: int
    msp_manager: MSPManager
    policy_manager: PolicyManager
    acl_overrides: dict[str, str]
    capabilities: dict[str, frozenset[str]]
    application_orgs: dict[str, OrgInfo]
    orderer_orgs: dict[str, OrgInfo]
    batch_size: BatchSize | None
    batch_timeout: float | None
    consensus_type: str
    orderer_addresses: tuple[str, ...] = ()
    hashing_algorithm: str = "SHA256"
    extra: dict[str, object] = field(default_factory=dict)

    def policy(self, path: str) -> Policy:
        """Policy by absolute (``/Channel/Application/Writers``) or root-relative path; missing -> rejecting."""
        return self.policy_manager.get_policy(path)

    def has_policy(self, path: str) -> bool:
        return self.policy_manager.lookup(path) is not None

    def acl_policy(self, resource: str) -> str:
        """Channel policy path for a c-resource (override or Fabric default), or ``Admins``/``Members``
        meaning the peer's local MSP for p-resources. KeyError for unknown resources."""
        return resolve_acl(resource, self.acl_overrides)

    def check_acl(self, resource: str, signed: Sequence[SignedData]) -> bool:
        """Evaluate a channel-scoped ACL. p-resources need the local MSP, so they raise ValueError here."""
        policy = self.acl_policy(resource)
        if is_local_acl(policy):
            raise ValueError(f"resource {resource!r} is checked against the local MSP ({policy}), not the channel")
        return self.policy(policy).evaluate(signed)

    def has_capability(self, group: str, name: str) -> bool:
        return name in self.capabilities.get(group, frozenset())

    @property
    def lifecycle_v20(self) -> bool:
        """``_lifecycle`` needs application capability V2_0 or later (``LifecycleV20``)."""
        return bool({"V2_0", "V2_5"} & self.capabilities.get("application", frozenset()))


def _unmarshal(message_type: type[Message], data: bytes, path: str) -> Any:
    try:
        return message_type.FromString(data)
    except DecodeError as exc:
        raise ConfigError(f"{path}: cannot unmarshal {message_type.DESCRIPTOR.name}: {exc}") from exc


def _value(group: configtx_pb2.ConfigGroup, key: str, message_type: type[Message], path: str) -> Any:
    if key not in group.values:
        return None
    return _unmarshal(message_type, group.values[key].value, f"{path}/{key}")


def _capabilities(group: configtx_pb2.ConfigGroup, path: str) -> frozenset[str]:
    caps = _value(group, "Capabilities", configuration_pb2.Capabilities, path)
    return frozenset(caps.capabilities) if caps is not None else frozenset()


def _org_msp(group: configtx_pb2.ConfigGroup, path: str) -> X509MSP:
    mspcfg = _value(group, "MSP", msp_config_pb2.MSPConfig, path)
    if mspcfg is None:
        raise ConfigError(f"{path}/MSP: organization has no MSP value")
    if mspcfg.type != FABRIC_MSP:
        raise ConfigError(f"{path}/MSP: only X.509 (FABRIC) MSPs are supported, got type {mspcfg.type}")
    fabric = _unmarshal(msp_config_pb2.FabricMSPConfig, mspcfg.config, f"{path}/MSP")
    try:
        return X509MSP.from_config(fabric)
    except MSPConfigError as exc:
        raise ConfigError(f"{path}/MSP: {exc}") from exc


def _orgs(parent: configtx_pb2.ConfigGroup, path: str, msps: dict[str, X509MSP], orderer: bool) -> dict[str, OrgInfo]:
    orgs: dict[str, OrgInfo] = {}
    for name, group in sorted(parent.groups.items()):
        org_path = f"{path}/{name}"
        msp = _org_msp(group, org_path)
        msps[msp.name] = msp
        anchors: tuple[tuple[str, int], ...] = ()
        endpoints: tuple[str, ...] = ()
        if orderer:
            ep = _value(group, "Endpoints", configuration_pb2.OrdererAddresses, org_path)
            endpoints = tuple(ep.addresses) if ep is not None else ()
        else:
            ap = _value(group, "AnchorPeers", peer_cfg.AnchorPeers, org_path)
            if ap is not None:
                anchors = tuple((a.host, a.port) for a in ap.anchor_peers)
        orgs[msp.name] = OrgInfo(name, msp.name, anchors, endpoints)
    return orgs


def bundle_from_config(channel_id: str, config: configtx_pb2.Config, config_block_number: int = 0) -> ChannelBundle:
    root = config.channel_group
    msps: dict[str, X509MSP] = {}
    orderer_group = root.groups.get(ORDERER) if ORDERER in root.groups else None
    app_group = root.groups.get(APPLICATION) if APPLICATION in root.groups else None
    orderer_orgs = _orgs(orderer_group, f"/{CHANNEL}/{ORDERER}", msps, True) if orderer_group else {}
    app_orgs = _orgs(app_group, f"/{CHANNEL}/{APPLICATION}", msps, False) if app_group else {}
    msp_manager = MSPManager(msps)
    try:
        policy_manager = PolicyManager.from_group(CHANNEL, root, msp_manager)
    except PolicyError as exc:
        raise ConfigError(str(exc)) from exc
    batch_size: BatchSize | None = None
    batch_timeout: float | None = None
    consensus = ""
    if orderer_group is not None:
        path = f"/{CHANNEL}/{ORDERER}"
        bs = _value(orderer_group, "BatchSize", orderer_cfg.BatchSize, path)
        if bs is not None:
            batch_size = BatchSize(bs.max_message_count, bs.absolute_max_bytes, bs.preferred_max_bytes)
        bt = _value(orderer_group, "BatchTimeout", orderer_cfg.BatchTimeout, path)
        if bt is not None:
            try:
                batch_timeout = parse_go_duration(bt.timeout)
            except ValueError as exc:
                raise ConfigError(f"{path}/BatchTimeout: {exc}") from exc
            if batch_timeout <= 0:
                raise ConfigError(f"{path}/BatchTimeout: must be positive, got {bt.timeout!r}")
        ct = _value(orderer_group, "ConsensusType", orderer_cfg.ConsensusType, path)
        consensus = ct.type if ct is not None else ""
    overrides: dict[str, str] = {}
    if app_group is not None:
        acls = _value(app_group, "ACLs", peer_cfg.ACLs, f"/{CHANNEL}/{APPLICATION}")
        if acls is not None:
            overrides = channel_acl_overrides(acls)
    global_addrs = _value(root, "OrdererAddresses", configuration_pb2.OrdererAddresses, f"/{CHANNEL}")
    addresses = tuple(global_addrs.addresses) if global_addrs is not None else ()
    addresses += tuple(a for org in orderer_orgs.values() for a in org.endpoints if a not in addresses)
    hashing = _value(root, "HashingAlgorithm", configuration_pb2.HashingAlgorithm, f"/{CHANNEL}")
    return ChannelBundle(
        channel_id=channel_id,
        sequence=config.sequence,
        config=config,
        config_block_number=config_block_number,
        msp_manager=msp_manager,
        policy_manager=policy_manager,
        acl_overrides=overrides,
        capabilities={
            "channel": _capabilities(root, f"/{CHANNEL}"),
            "orderer": _capabilities(orderer_group, f"/{CHANNEL}/{ORDERER}") if orderer_group else frozenset(),
            "application": _capabilities(app_group, f"/{CHANNEL}/{APPLICATION}") if app_group else frozenset(),
        },
        application_orgs=app_orgs,
        orderer_orgs=orderer_orgs,
        batch_size=batch_size,
        batch_timeout=batch_timeout,
        consensus_type=consensus,
        orderer_addresses=addresses,
        hashing_algorithm=hashing.name if hashing is not None else "SHA256",
    )


def config_envelope_from_block(block: common_pb2.Block) -> tuple[str, configtx_pb2.ConfigEnvelope]:
    """(channel id, ConfigEnvelope) of a config block; ConfigError naming the bad field otherwise."""
    if len(block.data.data) != 1:
        raise ConfigError(f"block.data: a config block holds exactly one envelope, got {len(block.data.data)}")
    env = _unmarshal(common_pb2.Envelope, block.data.data[0], "block.data[0]")
    payload = _unmarshal(common_pb2.Payload, env.payload, "envelope.payload")
    chdr = _unmarshal(common_pb2.ChannelHeader, payload.header.channel_header, "payload.header.channel_header")
    if chdr.type != common_pb2.HeaderType.CONFIG:
        raise ConfigError(f"channel_header.type: expected CONFIG (1), got {chdr.type}")
    cfg_env = _unmarshal(configtx_pb2.ConfigEnvelope, payload.data, "payload.data")
    if not cfg_env.HasField("config"):
        raise ConfigError("payload.data: ConfigEnvelope has no config")
    return chdr.channel_id, cfg_env


def bundle_from_config_block(block: common_pb2.Block) -> ChannelBundle:
    channel_id, cfg_env = config_envelope_from_block(block)
    if not channel_id:
        raise ConfigError("channel_header.channel_id: must not be empty")
    return bundle_from_config(channel_id, cfg_env.config, block.header.number)
