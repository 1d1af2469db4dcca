"""Config updates: the ``ConfigUpdate`` delta between two channel configs, and the edits we make.

The delta rules are those of ``configtxlator compute_update`` (``internal/configtxlator/update/update.go``)
and what the orderer's ``common/configtx/validator.go`` (``authorizeUpdate``/``verifyReadSet``) accepts:

- the *read set* names every element the update depends on, at its current version; the *write set* holds
  the new elements; an element is "modified" if its version in the write set is one higher than now;
- an unchanged value/policy appears (by version only, no content) in both sets when its group's membership
  changes, so the orderer can check nothing else moved;
- a group whose members (keys) or ``mod_policy`` change is written with version + 1, and its ``mod_policy``
  is then what authorises the update (for ``Application`` that is ``Admins`` = ``MAJORITY Admins`` of the
  member orgs, hence a majority of org admin signatures);
- brand-new elements have version 0 and carry their full content.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from fabric_protos.common import configtx_pb2


class NoDifferenceError(ValueError):
    """The updated config equals the original: there is nothing to submit."""


Leaf = TypeVar("Leaf", configtx_pb2.ConfigPolicy, configtx_pb2.ConfigValue)


def _leaves_delta(
    original: dict[str, Leaf], updated: dict[str, Leaf], payload: str
) -> tuple[dict[str, Leaf], dict[str, Leaf], bool]:
    """(write set, same set, membership changed) for a group's ``policies`` or ``values`` map, whose entries
    carry their content in field ``payload`` (``computePoliciesMapUpdate`` / ``computeValuesMapUpdate``).

    An entry whose mod_policy and content are unchanged is "same" (pinned by version only); a changed one is
    written at version + 1, a new one at version 0. Values compare by their serialized bytes, as Fabric does
    (``bytes.Equal``); policies by message equality (``proto.Equal``)."""
    write: dict[str, Leaf] = {}
    same: dict[str, Leaf] = {}
    members_changed = set(original) != set(updated)
    for name, old in original.items():
        new = updated.get(name)
        if new is None:
            continue
        if old.mod_policy == new.mod_policy and getattr(old, payload) == getattr(new, payload):
            same[name] = type(old)(version=old.version)
        else:
            write[name] = type(new)(version=old.version + 1, mod_policy=new.mod_policy,
                                    **{payload: getattr(new, payload)})  # fmt: skip
    for name, new in updated.items():
        if name not in original:
            write[name] = type(new)(version=0, mod_policy=new.mod_policy, **{payload: getattr(new, payload)})
    return write, same, members_changed


def _groups_delta(
    original: dict[str, configtx_pb2.ConfigGroup], updated: dict[str, configtx_pb2.ConfigGroup]
) -> tuple[dict[str, configtx_pb2.ConfigGroup], dict[str, configtx_pb2.ConfigGroup],
           dict[str, configtx_pb2.ConfigGroup], bool]:  # fmt: skip
    """(read set, write set, same set, membership changed) for a group's sub-groups."""
    read: dict[str, configtx_pb2.ConfigGroup] = {}
    write: dict[str, configtx_pb2.ConfigGroup] = {}
    same: dict[str, configtx_pb2.ConfigGroup] = {}
    members_changed = set(original) != set(updated)
    for name, old in original.items():
        new = updated.get(name)
        if new is None:
            continue
        group_read, group_write, changed = group_delta(old, new)
        if changed:
            read[name], write[name] = group_read, group_write
        else:
            same[name] = group_read
    for name, new in updated.items():
        if name not in original:
            _, full, _ = group_delta(configtx_pb2.ConfigGroup(), new)
            created = configtx_pb2.ConfigGroup(version=0, mod_policy=new.mod_policy)
            _fill(created, full.policies, full.values, full.groups)
            write[name] = created
    return read, write, same, members_changed


def _fill(
    group: configtx_pb2.ConfigGroup,
    policies: Mapping[str, configtx_pb2.ConfigPolicy],
    values: Mapping[str, configtx_pb2.ConfigValue],
    groups: Mapping[str, configtx_pb2.ConfigGroup],
) -> configtx_pb2.ConfigGroup:
    for key, policy in policies.items():
        group.policies[key].CopyFrom(policy)
    for key, value in values.items():
        group.values[key].CopyFrom(value)
    for key, child in groups.items():
        group.groups[key].CopyFrom(child)
    return group


def group_delta(
    original: configtx_pb2.ConfigGroup, updated: configtx_pb2.ConfigGroup
) -> tuple[configtx_pb2.ConfigGroup, configtx_pb2.ConfigGroup, bool]:
    """(read set, write set, changed) of one group, recursively."""
    policy_write, policy_same, policies_moved = _leaves_delta(dict(original.policies), dict(updated.policies), "policy")
    value_write, value_same, values_moved = _leaves_delta(dict(original.values), dict(updated.values), "value")
    group_read, group_write, group_same, groups_moved = _groups_delta(dict(original.groups), dict(updated.groups))
    membership_changed = policies_moved or values_moved or groups_moved or original.mod_policy != updated.mod_policy
    if not membership_changed:
        if not (policy_write or value_write or group_read or group_write):
            return (configtx_pb2.ConfigGroup(version=original.version),
                    configtx_pb2.ConfigGroup(version=original.version), False)  # fmt: skip
        read = _fill(configtx_pb2.ConfigGroup(version=original.version), {}, {}, group_read)
        write = _fill(configtx_pb2.ConfigGroup(version=original.version), policy_write, value_write, group_write)
        return read, write, True
    # Membership changed: every unchanged member is pinned at its version in both sets.
    read = _fill(configtx_pb2.ConfigGroup(version=original.version), policy_same, value_same,
                 {**group_read, **group_same})  # fmt: skip
    write = _fill(
        configtx_pb2.ConfigGroup(version=original.version + 1, mod_policy=updated.mod_policy),
        {**policy_same, **policy_write},
        {**value_same, **value_write},
        {**group_same, **group_write},
    )
    return read, write, True


def compute_update(
    channel_id: str, original: configtx_pb2.Config, updated: configtx_pb2.Config
) -> configtx_pb2.ConfigUpdate:
    """The ``ConfigUpdate`` turning ``original`` into ``updated`` (``update.Compute``)."""
    if not original.HasField("channel_group"):
        raise ValueError("original: config has no channel_group")
    if not updated.HasField("channel_group"):
        raise ValueError("updated: config has no channel_group")
    read, write, changed = group_delta(original.channel_group, updated.channel_group)
    if not changed:
        raise NoDifferenceError("updated: no differences between the original and the updated config")
    return configtx_pb2.ConfigUpdate(channel_id=channel_id, read_set=read, write_set=write)


def with_application_org(
    config: configtx_pb2.Config, org_name: str, org_group: configtx_pb2.ConfigGroup
) -> configtx_pb2.Config:
    """A copy of ``config`` whose Application group also holds ``org_group`` under ``org_name``."""
    application = config.channel_group.groups.get("Application")
    if application is None:
        raise ValueError("config: channel has no Application group")
    if org_name in application.groups:
        raise ValueError(f"org_name: {org_name!r} is already a member of the channel")
    updated = configtx_pb2.Config()
    updated.CopyFrom(config)
    updated.channel_group.groups["Application"].groups[org_name].CopyFrom(org_group)
    return updated
