"""Channel config updates (``common/configtx/validator.go``, ``update.go``, ``configmap.go``).

A ``ConfigUpdate`` names a read set (elements it depends on, with the versions it saw) and a write set.
Rules, as Fabric applies them:

* every read-set element must exist at exactly that version;
* the delta = write-set elements whose version differs from the read set's;
* each delta element needs a valid ``mod_policy``; an existing element must move to version + 1 and its
  *current* ``mod_policy`` must be satisfied by the update's signatures (``data = signature_header ||
  config_update``); a new element must have version 0 (it is authorised through its parent group, whose
  member list changes);
* the new config = current elements overlaid with the delta, rebuilt from ``/Channel`` down, with the
  config sequence incremented. A group's children are exactly those listed in its (new or old) proto, so
  removing a child is done by bumping the parent without it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from fabric_protos.common import common_pb2, configtx_pb2
from google.protobuf.message import DecodeError, Message

from network.devnet.channelconfig.bundle import CHANNEL, ChannelBundle, ConfigError, bundle_from_config
from network.devnet.policy import Policy, SignedData
from network.devnet.policy.manager import PolicyManager

GROUP, VALUE, POLICY = "[Group]  ", "[Value]  ", "[Policy] "
_CONFIG_ID = re.compile(r"[a-zA-Z0-9.-]+")
MAX_CONFIG_ID_LENGTH = 249
ORDERER_CAPABILITIES_FIX = "[Value]  /Channel/Orderer/Capabilities"


class ConfigUpdateError(ValueError):
    """The update is malformed or not authorised; nothing is applied."""


@dataclass(frozen=True)
class Element:
    """One config element (``comparable``): its key, the path of its parent group and its proto."""

    key: str
    path: tuple[str, ...]
    kind: str
    message: Message

    @property
    def version(self) -> int:
        return int(self.message.version)  # type: ignore[attr-defined]

    @property
    def mod_policy(self) -> str:
        return str(self.message.mod_policy)  # type: ignore[attr-defined]


def validate_config_id(config_id: str) -> None:
    """``validateConfigID``: 1..249 chars of ``[a-zA-Z0-9.-]``, not ``.`` or ``..``."""
    if not config_id:
        raise ConfigUpdateError("config ID illegal, cannot be empty")
    if len(config_id) > MAX_CONFIG_ID_LENGTH:
        raise ConfigUpdateError(f"config ID illegal, cannot be longer than {MAX_CONFIG_ID_LENGTH}")
    if config_id in (".", ".."):
        raise ConfigUpdateError(f"name '{config_id}' for config ID is not allowed")
    if not _CONFIG_ID.fullmatch(config_id):
        raise ConfigUpdateError(f"config ID '{config_id}' contains illegal characters")


def _add(result: dict[str, Element], element: Element) -> None:
    validate_config_id(element.key)
    result[element.kind + "/" + "/".join((*element.path, element.key))] = element


def map_config(group: configtx_pb2.ConfigGroup | None, root: str = CHANNEL) -> dict[str, Element]:
    """``mapConfig``: flatten a group tree into fully qualified element paths."""
    result: dict[str, Element] = {}
    if group is not None:
        _recurse(result, (root,), group)
    return result


def _recurse(result: dict[str, Element], path: tuple[str, ...], group: configtx_pb2.ConfigGroup) -> None:
    _add(result, Element(path[-1], path[:-1], GROUP, group))
    for key, child in group.groups.items():
        _recurse(result, (*path, key), child)
    for key, value in group.values.items():
        _add(result, Element(key, path, VALUE, value))
    for key, policy in group.policies.items():
        _add(result, Element(key, path, POLICY, policy))


def verify_read_set(read_set: dict[str, Element], current: dict[str, Element]) -> None:
    for key, element in read_set.items():
        existing = current.get(key)
        if existing is None:
            raise ConfigUpdateError(f"existing config does not contain element for {key} but was in the read set")
        if existing.version != element.version:
            raise ConfigUpdateError(
                f"proposed update requires that key {key} be at version {element.version}, "
                f"but it is currently at version {existing.version}"
            )


def compute_delta_set(read_set: dict[str, Element], write_set: dict[str, Element]) -> dict[str, Element]:
    return {k: v for k, v in write_set.items() if not (k in read_set and read_set[k].version == v.version)}


def validate_mod_policy(mod_policy: str) -> None:
    if not mod_policy:
        raise ConfigUpdateError("mod_policy not set")
    trimmed = mod_policy[1:] if mod_policy.startswith("/") else mod_policy
    for i, part in enumerate(trimmed.split("/")):
        try:
            validate_config_id(part)
        except ConfigUpdateError as exc:
            raise ConfigUpdateError(f"path element at {i} is invalid: {exc}") from exc


def policy_for_element(element: Element, root: PolicyManager) -> Policy | None:
    """``policyForItem``: a relative mod_policy is resolved in the element's own group (or the group itself)."""
    manager: PolicyManager | None = root
    if element.mod_policy and not element.mod_policy.startswith("/") and element.path:
        manager = root.manager(list(element.path[1:]))
        if manager is not None and element.kind == GROUP:
            manager = manager.children.get(element.key)
        if manager is None:
            return None
    assert manager is not None
    return manager.lookup(element.mod_policy)


def verify_delta_set(
    delta: dict[str, Element], current: dict[str, Element], signed: Sequence[SignedData], policies: PolicyManager
) -> None:
    if not delta:
        raise ConfigUpdateError("delta set was empty -- update would have no effect")
    for key, element in sorted(delta.items()):
        try:
            validate_mod_policy(element.mod_policy)
        except ConfigUpdateError as exc:
            raise ConfigUpdateError(f"invalid mod_policy for element {key}: {exc}") from exc
        existing = current.get(key)
        if existing is None:
            if element.version != 0:
                raise ConfigUpdateError(
                    f"attempted to set key {key} to version {element.version}, but key does not exist"
                )
            continue
        if element.version != existing.version + 1:
            raise ConfigUpdateError(
                f"attempt to set key {key} to version {element.version}, but key is at version {existing.version}"
            )
        policy = policy_for_element(existing, policies)
        if policy is None:
            raise ConfigUpdateError(f"unexpected missing policy {existing.mod_policy} for item {key}")
        if not policy.evaluate(signed):
            raise ConfigUpdateError(f"policy for {key} not satisfied")


def config_update_signed_data(update_env: configtx_pb2.ConfigUpdateEnvelope) -> list[SignedData]:
    """``ConfigUpdateEnvelopeAsSignedData``."""
    out = []
    for sig in update_env.signatures:
        try:
            shdr = common_pb2.SignatureHeader.FromString(sig.signature_header)
        except DecodeError as exc:
            raise ConfigUpdateError(f"signatures: bad signature header: {exc}") from exc
        out.append(SignedData(sig.signature_header + update_env.config_update, shdr.creator, sig.signature))
    return out


def rebuild_group(path: str, config_map: dict[str, Element]) -> configtx_pb2.ConfigGroup:
    """``recurseConfigMap``: a group keeps exactly the children its proto lists, each taken from the map."""
    element = config_map.get(GROUP + path)
    if element is None or element.kind != GROUP:
        raise ConfigUpdateError(f"missing group at path: {GROUP}{path}")
    source = element.message
    assert isinstance(source, configtx_pb2.ConfigGroup)
    group = configtx_pb2.ConfigGroup()
    group.CopyFrom(source)
    for key in source.groups:
        group.groups[key].CopyFrom(rebuild_group(f"{path}/{key}", config_map))
    for kind, field in ((VALUE, "values"), (POLICY, "policies")):
        for key in getattr(source, field):
            child = config_map.get(f"{kind}{path}/{key}")
            if child is None or child.kind != kind:
                raise ConfigUpdateError(f"missing {field[:-1]} at path: {kind}{path}/{key}")
            getattr(group, field)[key].CopyFrom(child.message)
    if ORDERER_CAPABILITIES_FIX in config_map:
        _fill_empty_mod_policies(group)
    return group


def _fill_empty_mod_policies(group: configtx_pb2.ConfigGroup) -> None:
    """Fabric's upgrade fix: empty mod_policies become ``Admins`` once orderer capabilities exist."""
    if not group.mod_policy:
        group.mod_policy = "Admins"
    for value in group.values.values():
        if not value.mod_policy:
            value.mod_policy = "Admins"
    for policy in group.policies.values():
        if not policy.mod_policy:
            policy.mod_policy = "Admins"


def config_update_from_envelope(envelope: common_pb2.Envelope) -> configtx_pb2.ConfigUpdateEnvelope:
    """``EnvelopeToConfigUpdate``: a CONFIG_UPDATE envelope carrying a ConfigUpdateEnvelope."""
    try:
        payload = common_pb2.Payload.FromString(envelope.payload)
        chdr = common_pb2.ChannelHeader.FromString(payload.header.channel_header)
        if chdr.type != common_pb2.HeaderType.CONFIG_UPDATE:
            raise ConfigUpdateError(f"channel_header.type: expected CONFIG_UPDATE (2), got {chdr.type}")
        return configtx_pb2.ConfigUpdateEnvelope.FromString(payload.data)
    except DecodeError as exc:
        raise ConfigUpdateError(f"envelope: not a config update: {exc}") from exc


def authorize_update(bundle: ChannelBundle, update_env: configtx_pb2.ConfigUpdateEnvelope) -> dict[str, Element]:
    """``authorizeUpdate``: the full proposed config map, or ConfigUpdateError."""
    try:
        update = configtx_pb2.ConfigUpdate.FromString(update_env.config_update)
    except DecodeError as exc:
        raise ConfigUpdateError(f"config_update: {exc}") from exc
    if update.channel_id != bundle.channel_id:
        raise ConfigUpdateError(
            f"ConfigUpdate for channel '{update.channel_id}' but envelope for channel '{bundle.channel_id}'"
        )
    current = map_config(bundle.config.channel_group)
    read_set = map_config(update.read_set if update.HasField("read_set") else None)
    verify_read_set(read_set, current)
    write_set = map_config(update.write_set if update.HasField("write_set") else None)
    delta = compute_delta_set(read_set, write_set)
    verify_delta_set(delta, current, config_update_signed_data(update_env), bundle.policy_manager)
    proposed = {**current, **delta}
    for key in write_set:
        if key not in proposed:
            raise ConfigUpdateError(f"writeset contained key {key} which did not appear in proposed config")
    return proposed


def next_config(bundle: ChannelBundle, update_env: configtx_pb2.ConfigUpdateEnvelope) -> configtx_pb2.Config:
    """``ProposeConfigUpdate`` + ``ValidateNew``: the channel's next config (sequence + 1), or ConfigUpdateError.

    The one computation the orderer (which orders the result) and the peer (which re-derives it in
    ``validate_config_envelope``) share, as both use ``common/configtx/validator.go`` in Fabric.
    """
    proposed = authorize_update(bundle, update_env)
    config = configtx_pb2.Config(sequence=bundle.sequence + 1, channel_group=rebuild_group(f"/{CHANNEL}", proposed))
    try:
        bundle_from_config(bundle.channel_id, config)
    except ConfigError as exc:
        raise ConfigUpdateError(f"proposed config is invalid: {exc}") from exc
    return config


def propose_config_update(bundle: ChannelBundle, envelope: common_pb2.Envelope) -> configtx_pb2.ConfigEnvelope:
    """The orderer's ``ProposeConfigUpdate``: next ConfigEnvelope (sequence + 1, last_update = envelope).

    The new config must also yield a usable bundle (``ValidateNew``-style), else ConfigUpdateError.
    """
    config = next_config(bundle, config_update_from_envelope(envelope))
    return configtx_pb2.ConfigEnvelope(config=config, last_update=envelope)


def validate_config_envelope(bundle: ChannelBundle, config_env: configtx_pb2.ConfigEnvelope) -> None:
    """The peer's ``Validate``: next sequence, authorised last_update, and it must reproduce the config."""
    if not config_env.HasField("config"):
        raise ConfigUpdateError("config envelope has nil config")
    if config_env.config.sequence != bundle.sequence + 1:
        raise ConfigUpdateError(
            f"config currently at sequence {bundle.sequence}, cannot validate config at sequence "
            f"{config_env.config.sequence}"
        )
    proposed = authorize_update(bundle, config_update_from_envelope(config_env.last_update))
    if rebuild_group(f"/{CHANNEL}", proposed) != config_env.config.channel_group:
        raise ConfigUpdateError("ConfigEnvelope LastUpdate did not produce the supplied config result")
