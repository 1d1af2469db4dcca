"""Which orgs a channel has, and which requested endorsing orgs are not among them.

Fabric's gateway answers UNAVAILABLE ("no peers available ... in organization X") when ``endorsing_organizations``
names an org it has no peer of (``internal/pkg/gateway/registry.go`` ``planForOrgs``). That is the same answer
for two very different situations: a member org whose peers are down (transient: 503, retry later) and an org
that is not in the channel at all (the caller's input: retrying can never help). The rule used here tells them
apart by the channel's configuration, the authority on membership: an org is a member iff an MSP with that ID
is configured in the channel config's ``Application`` group (``common/channelconfig/application.go``). The
config block is read with the ``cscc GetConfigBlock`` query (``core/scc/cscc/configure.go``).
"""

from __future__ import annotations

from collections.abc import Sequence

from fabric_protos.common import common_pb2, configtx_pb2
from fabric_protos.msp import msp_config_pb2

FABRIC_MSP_TYPE = 0  # msp.MSPConfig.type of a FabricMSPConfig (``msp/msp.go`` FABRIC)


def application_msp_ids(config_block: bytes) -> frozenset[str]:
    """MSP IDs of the application orgs configured in a channel's config block.

    The config block holds one envelope whose payload is a ``ConfigEnvelope``; each org is a sub-group of
    ``channel_group.groups["Application"]`` whose ``MSP`` value is an ``MSPConfig`` wrapping a
    ``FabricMSPConfig`` whose ``name`` is the MSP ID (``common/channelconfig/msp.go``)."""
    block = common_pb2.Block.FromString(config_block)
    if not block.data.data:
        raise ValueError("config block has no transaction")
    envelope = common_pb2.Envelope.FromString(block.data.data[0])
    payload = common_pb2.Payload.FromString(envelope.payload)
    config = configtx_pb2.ConfigEnvelope.FromString(payload.data).config
    application = config.channel_group.groups.get("Application")
    if application is None:
        raise ValueError("config block has no Application group")
    ids: set[str] = set()
    for org_group in application.groups.values():
        value = org_group.values.get("MSP")
        if value is None:
            continue
        msp = msp_config_pb2.MSPConfig.FromString(value.value)
        if msp.type == FABRIC_MSP_TYPE:
            ids.add(msp_config_pb2.FabricMSPConfig.FromString(msp.config).name)
    return frozenset(ids)


def non_member_orgs(requested: Sequence[str], members: frozenset[str]) -> list[tuple[int, str]]:
    """(index, MSP ID) of every requested endorsing org that is not a member of the channel."""
    return [(i, org) for i, org in enumerate(requested) if org not in members]
