"""Default application ACLs written into the channel config (values of Fabric's ``sampleconfig/configtx.yaml``).

Peers fall back to the same defaults when an ACL is absent (``core/aclmgmt/defaultaclprovider.go``); writing
them makes the channel's policy explicit and lets a config update tighten a single resource.
"""

from __future__ import annotations

APP_READERS = "/Channel/Application/Readers"
APP_WRITERS = "/Channel/Application/Writers"
APP_ADMINS = "/Channel/Application/Admins"

DEFAULT_ACLS: dict[str, str] = {
    "_lifecycle/CheckCommitReadiness": APP_WRITERS,
    "_lifecycle/CommitChaincodeDefinition": APP_WRITERS,
    "_lifecycle/QueryChaincodeDefinition": APP_WRITERS,
    "_lifecycle/QueryChaincodeDefinitions": APP_WRITERS,
    "lscc/ChaincodeExists": APP_READERS,
    "lscc/GetDeploymentSpec": APP_READERS,
    "lscc/GetChaincodeData": APP_READERS,
    "lscc/GetInstantiatedChaincodes": APP_READERS,
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
}
