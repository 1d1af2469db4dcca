"""Applying a CONFIG_UPDATE to a channel's config, as ``common/configtx/validator.go`` does.

``ProposeConfigUpdate``: the update must name this channel; every element of its read set must exist at
exactly the version it states (``verifyReadSet``); the delta is every write-set element whose version
differs from the read set's (``computeDeltaSet``); each delta element must be new at version 0 or exactly
one version above the existing element, and the existing element's ``mod_policy`` must be satisfied by the
update's signatures, each over ``signature_header || config_update`` (``verifyDeltaSet``,
``policyForItem``, ``ConfigUpdateEnvelope.AsSignedData``). The new config is the old element map with the
delta applied, rebuilt from the root group down (``computeUpdateResult``, ``configMapToConfig``), at
sequence + 1. The orderer wraps it into a CONFIG envelope it signs itself
(``msgprocessor/standardchannel.go`` ``ProcessConfigUpdateMsg``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from fabric_protos.common import common_pb2, configtx_pb2
from google.protobuf import timestamp_pb2

from gateway.client.txid import new_nonce
from network.devnet.orderer.blockwriter import OrdererSigner
from network.devnet.policy import SignedData

ROOT = "Channel"
ItemKey = tuple[str, tuple[str, ...]]  # (kind, full path including the element's own key)


class ConfigUpdateError(ValueError):
    """The update cannot be applied; the message says which element and rule."""


@dataclass(frozen=True)
class ConfigItem:
    kind: str  # "Group" | "Value" | "Policy"
    path: tuple[str, ...]  # the element's full path, root first
    version: int
    mod_policy: str
    message: Any

    @property
    def name(self) -> str:
        return f"[{self.kind}] /" + "/".join(self.path)


def map_config(group: configtx_pb2.ConfigGroup, path: tuple[str, ...] = (ROOT,)) -> dict[ItemKey, ConfigItem]:
    """Flatten a config tree into its elements (``mapConfig``)."""
    items = {("Group", path): ConfigItem("Group", path, group.version, group.mod_policy, group)}
    for key, value in group.values.items():
        items[("Value", (*path, key))] = ConfigItem("Value", (*path, key), value.version, value.mod_policy, value)
    for key, policy in group.policies.items():
        items[("Policy", (*path, key))] = ConfigItem("Policy", (*path, key), policy.version, policy.mod_policy, policy)
    for key, child in group.groups.items():
        items.update(map_config(child, (*path, key)))
    return items


def verify_read_set(read_set: dict[ItemKey, ConfigItem], current: dict[ItemKey, ConfigItem]) -> None:
    for key, item in read_set.items():
        existing = current.get(key)
        if existing is None:
            raise ConfigUpdateError(f"existing config does not contain element for {item.name} but was in the read set")
        if existing.version != item.version:
            raise ConfigUpdateError(
                f"proposed update requires that key {item.name} be at version {item.version}, "
                f"but it is currently at version {existing.version}"
            )


def compute_delta_set(
    read_set: dict[ItemKey, ConfigItem], write_set: dict[ItemKey, ConfigItem]
) -> dict[ItemKey, ConfigItem]:
    return {k: v for k, v in write_set.items() if k not in read_set or read_set[k].version != v.version}


def validate_mod_policy(item: ConfigItem) -> None:
    """``validateModPolicy``: non-empty, and no empty path elements."""
    if not item.mod_policy:
        raise ConfigUpdateError(f"mod_policy not set for {item.name}")
    trimmed = item.mod_policy[1:] if item.mod_policy.startswith("/") else item.mod_policy
    if any(part == "" for part in trimmed.split("/")):
        raise ConfigUpdateError(f"path element of mod_policy {item.mod_policy!r} of {item.name} is empty")


def policy_for_item(item: ConfigItem, bundle: Any) -> Any:
    """Relative mod_policies resolve in the element's group; a group's own key is part of that context."""
    if item.mod_policy.startswith("/") or len(item.path) == 1:
        return bundle.policy_manager.get_policy(item.mod_policy)
    group_path = list(item.path[1:]) if item.kind == "Group" else list(item.path[1:-1])
    manager = bundle.policy_manager.manager(group_path)
    if manager is None:
        raise ConfigUpdateError(f"unexpected missing policy {item.mod_policy} for item {item.name}")
    return manager.get_policy(item.mod_policy)


def verify_delta_set(
    delta: dict[ItemKey, ConfigItem], current: dict[ItemKey, ConfigItem], bundle: Any, signed: list[SignedData]
) -> None:
    if not delta:
        raise ConfigUpdateError("delta set was empty -- update would have no effect")
    for key, item in sorted(delta.items()):
        validate_mod_policy(item)
        existing = current.get(key)
        if existing is None:
            if item.version != 0:
                raise ConfigUpdateError(
                    f"attempted to set key {item.name} to version {item.version}, but key does not exist"
                )
            continue
        if item.version != existing.version + 1:
            raise ConfigUpdateError(
                f"attempt to set key {item.name} to version {item.version}, but key is at version {existing.version}"
            )
        if not policy_for_item(existing, bundle).evaluate(signed):
            raise ConfigUpdateError(f"policy for {item.name} not satisfied")


def rebuild_group(items: dict[ItemKey, ConfigItem], path: tuple[str, ...] = (ROOT,)) -> configtx_pb2.ConfigGroup:
    """``configMapToConfig``: a group's children are the keys it lists, each looked up in the element map."""
    item = items.get(("Group", path))
    if item is None:
        raise ConfigUpdateError("missing group " + "/".join(path))
    source: configtx_pb2.ConfigGroup = item.message
    group = configtx_pb2.ConfigGroup(version=source.version, mod_policy=source.mod_policy)
    for key in source.values:
        child = items.get(("Value", (*path, key)))
        if child is None:
            raise ConfigUpdateError(f"missing value {'/'.join((*path, key))}")
        group.values[key].CopyFrom(child.message)
    for key in source.policies:
        child = items.get(("Policy", (*path, key)))
        if child is None:
            raise ConfigUpdateError(f"missing policy {'/'.join((*path, key))}")
        group.policies[key].CopyFrom(child.message)
    for key in source.groups:
        group.groups[key].CopyFrom(rebuild_group(items, (*path, key)))
    return group


def update_signed_data(envelope: configtx_pb2.ConfigUpdateEnvelope) -> list[SignedData]:
    signed = []
    for sig in envelope.signatures:
        shdr = common_pb2.SignatureHeader.FromString(sig.signature_header)
        signed.append(SignedData(sig.signature_header + envelope.config_update, shdr.creator, sig.signature))
    return signed


def propose_config_update(payload_data: bytes, bundle: Any) -> configtx_pb2.Config:
    """The channel's next config, or :class:`ConfigUpdateError`."""
    try:
        update_env = configtx_pb2.ConfigUpdateEnvelope.FromString(payload_data)
        update = configtx_pb2.ConfigUpdate.FromString(update_env.config_update)
    except Exception as exc:
        raise ConfigUpdateError(f"cannot decode config update: {exc}") from exc
    if update.channel_id != bundle.channel_id:
        raise ConfigUpdateError(f"update not for correct channel: {update.channel_id} for {bundle.channel_id}")
    current = map_config(bundle.config.channel_group)
    read_set = map_config(update.read_set) if update.HasField("read_set") else {}
    write_set = map_config(update.write_set) if update.HasField("write_set") else {}
    verify_read_set(read_set, current)
    delta = compute_delta_set(read_set, write_set)
    verify_delta_set(delta, current, bundle, update_signed_data(update_env))
    return configtx_pb2.Config(sequence=bundle.sequence + 1, channel_group=rebuild_group({**current, **delta}))


def config_envelope(
    channel_id: str, config: configtx_pb2.Config, last_update: common_pb2.Envelope, signer: OrdererSigner
) -> common_pb2.Envelope:
    """The CONFIG transaction the orderer orders (``protoutil.CreateSignedEnvelope(CONFIG, ...)``)."""
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(datetime.datetime.now(datetime.UTC).replace(microsecond=0))
    chdr = common_pb2.ChannelHeader(type=common_pb2.CONFIG, channel_id=channel_id, timestamp=stamp)
    shdr = common_pb2.SignatureHeader(creator=signer.creator, nonce=new_nonce())
    data = configtx_pb2.ConfigEnvelope(config=config, last_update=last_update).SerializeToString()
    payload = common_pb2.Payload(
        header=common_pb2.Header(channel_header=chdr.SerializeToString(), signature_header=shdr.SerializeToString()),
        data=data,
    ).SerializeToString()
    return common_pb2.Envelope(payload=payload, signature=signer.sign(payload))
