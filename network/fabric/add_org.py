"""Adding a member org to a running channel: crypto for the org, a signed config update, the org's peers.

Nothing is half-applied: the new org's crypto material is generated in a staging folder and the update is
computed from it; only after the orderer accepted the config update (and committed it in a new config
block) are the material and the updated ``spec.resolved.json`` moved into the network. The update is signed
by the admins of a majority of the channel's current orgs, because adding a group to ``Application`` is
authorised by its ``mod_policy`` ``Admins`` = ``MAJORITY Admins`` (see :mod:`network.configtx.update`).
Back-end specific follow-up (starting and joining the new peers) is in :func:`network.fabric.supervisor`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fabric_protos.common import common_pb2, configtx_pb2

from network.configtx.channel import application_org_group
from network.configtx.update import compute_update, with_application_org
from network.configtx.update_sign import Signer, config_update_envelope, signed_update_envelope
from network.crypto.files import replace_file, staging_dir
from network.crypto.tree import TreePlan, commit_units, stage_org
from network.fabric.broadcast import broadcast
from network.fabric.deliver import last_config_block
from network.layout import NetworkLayout, read_signing_material
from network.spec import ConsortiumSpec, SpecError, SpecIssue, parse_spec
from network.spec.load import dump_resolved
from network.spec.models import MemberOrgSpec

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def spec_with_org(prior: ConsortiumSpec, org: dict[str, Any], channel: str) -> ConsortiumSpec:
    """The prior spec plus ``org`` as a member of ``channel``; every spec rule (names, ports) applies."""
    data = prior.model_dump(mode="json")
    msp_id = org.get("msp_id")
    if any(existing["msp_id"] == msp_id for existing in data["member_orgs"]):
        raise SpecError([SpecIssue(("org", "msp_id"), f"{msp_id!r} is already a member org")])
    channels = [c for c in data["channels"] if c["name"] == channel]
    if not channels:
        raise SpecError([SpecIssue(("channel",), f"unknown channel {channel!r}")])
    data["member_orgs"].append(org)
    channels[0]["orgs"].append(msp_id)
    return parse_spec(data, "add-org")


def admin_signer(layout: NetworkLayout, msp_id: str) -> Signer:
    cert, key = read_signing_material(layout.admin_msp_dir(msp_id))
    return Signer(msp_id, cert, key)


def majority_signers(layout: NetworkLayout, channel: str) -> list[Signer]:
    """Admins of the first ``n // 2 + 1`` current channel orgs (``MAJORITY Admins``)."""
    orgs = layout.spec.channel(channel).orgs
    return [admin_signer(layout, msp_id) for msp_id in orgs[: len(orgs) // 2 + 1]]


def config_from_block(block: common_pb2.Block) -> configtx_pb2.Config:
    envelope = common_pb2.Envelope.FromString(block.data.data[0])
    payload = common_pb2.Payload.FromString(envelope.payload)
    return configtx_pb2.ConfigEnvelope.FromString(payload.data).config


def current_config(layout: NetworkLayout, channel: str, timeout: float = 30.0) -> configtx_pb2.Config:
    """The channel's config as of its last config block, delivered by the first orderer that answers
    (Deliver, not the participation API: v2.5 orderers serve no ``/blocks/`` there)."""
    msp_id = layout.spec.channel(channel).orgs[0]
    return config_from_block(last_config_block(layout, channel, admin_signer(layout, msp_id), timeout))


def wait_config_sequence(layout: NetworkLayout, channel: str, above: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while current_config(layout, channel).sequence <= above:
        if time.monotonic() > deadline:
            raise RuntimeError(f"channel {channel}: config update not committed after {timeout:.0f}s")
        time.sleep(0.5)


def add_org(
    netdir: Path, org: dict[str, Any], channel: str, timeout: float = 60.0, progress: Progress = _quiet
) -> MemberOrgSpec:
    """Add ``org`` (a spec mapping: name, msp_id, domain, peers, users) to ``channel``; returns its resolved spec."""
    layout = NetworkLayout(Path(netdir))
    prior = layout.resolved_spec()
    updated = spec_with_org(prior, org, channel)
    new_org = updated.member_org(str(org["msp_id"]))
    target = NetworkLayout(layout.root, updated)
    with staging_dir(layout.root) as tmp:
        stage = NetworkLayout(tmp, updated)
        plan = TreePlan()
        stage_org(plan, target, stage, new_org)
        original = current_config(layout, channel, timeout)
        group = application_org_group(new_org, stage)
        update = compute_update(channel, original, with_application_org(original, new_org.name, group))
        signers = majority_signers(layout, channel)
        envelope = config_update_envelope(channel, signed_update_envelope(update, signers), signers[0])
        broadcast(layout, envelope)
        progress(f"config update adding {new_org.msp_id} to {channel} accepted (signed by "
                 f"{', '.join(s.msp_id for s in signers)})")  # fmt: skip
        wait_config_sequence(layout, channel, original.sequence, timeout)
        commit_units(plan, stage, target, progress)
    replace_file(target.resolved_spec_path(), dump_resolved(updated).encode())
    return new_org
