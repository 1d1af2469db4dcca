"""Fabric's default ACL table for channel-scoped resources, and the part of it written into new channels.

The peer resolves a channel resource (a "c-resource") to a channel policy: an ``ACLs`` entry in the channel's
Application group if there is one, otherwise this default (``core/aclmgmt/defaultaclprovider.go``
``newDefaultACLProvider``). It is the one table both sides use: the bootstrap writes the entries that Fabric's
``sampleconfig/configtx.yaml`` lists (so a channel created here matches one created by ``configtxgen``, and a
config update can tighten a single resource), and devnet's peer falls back to it for everything else.
"""

from __future__ import annotations

from collections.abc import Mapping

APP_READERS = "/Channel/Application/Readers"
APP_WRITERS = "/Channel/Application/Writers"
APP_ADMINS = "/Channel/Application/Admins"

CHANNEL_ACLS: Mapping[str, str] = {
    "_lifecycle/CommitChaincodeDefinition": APP_WRITERS,
    "_lifecycle/QueryChaincodeDefinition": APP_WRITERS,
    "_lifecycle/QueryChaincodeDefinitions": APP_WRITERS,
    "_lifecycle/CheckCommitReadiness": APP_WRITERS,
    "lscc/ChaincodeExists": APP_READERS,
    "lscc/GetDeploymentSpec": APP_READERS,
    "lscc/GetChaincodeData": APP_READERS,
    "lscc/GetInstantiatedChaincodes": APP_READERS,
    "lscc/GetCollectionsConfig": APP_READERS,
    "qscc/GetChainInfo": APP_READERS,
    "qscc/GetBlockByNumber": APP_READERS,
    "qscc/GetBlockByHash": APP_READERS,
    "qscc/GetTransactionByID": APP_READERS,
    "qscc/GetBlockByTxID": APP_READERS,
    "cscc/GetConfigBlock": APP_READERS,
    "cscc/GetChannelConfig": APP_READERS,
    "peer/Propose": APP_WRITERS,
    "peer/ChaincodeToChaincode": APP_WRITERS,
    "event/Block": APP_READERS,
    "event/FilteredBlock": APP_READERS,
    "gateway/CommitStatus": APP_READERS,
    "gateway/ChaincodeEvents": APP_READERS,
}
"""c-resources: the channel policy each one is evaluated against unless the channel overrides it."""

SAMPLECONFIG_RESOURCES: tuple[str, ...] = (
    "_lifecycle/CheckCommitReadiness",
    "_lifecycle/CommitChaincodeDefinition",
    "_lifecycle/QueryChaincodeDefinition",
    "_lifecycle/QueryChaincodeDefinitions",
    "lscc/ChaincodeExists",
    "lscc/GetDeploymentSpec",
    "lscc/GetChaincodeData",
    "lscc/GetInstantiatedChaincodes",
    "qscc/GetChainInfo",
    "qscc/GetBlockByNumber",
    "qscc/GetBlockByHash",
    "qscc/GetTransactionByID",
    "qscc/GetBlockByTxID",
    "cscc/GetConfigBlock",
    "cscc/GetChannelConfig",
    "peer/Propose",
    "peer/ChaincodeToChaincode",
    "event/Block",
    "event/FilteredBlock",
)
"""The resources ``sampleconfig/configtx.yaml`` ``ACLsDefault`` lists, in its order (the rest stay implicit)."""

DEFAULT_ACLS: dict[str, str] = {resource: CHANNEL_ACLS[resource] for resource in SAMPLECONFIG_RESOURCES}
"""The ``ACLs`` value a new channel's Application group carries."""
