"""Channel configuration bundle: MSPs, policies, ACLs, orderer parameters, orgs (Fabric ``channelconfig``)."""

from network.devnet.channelconfig.acls import CHANNEL_ACLS, LOCAL_ACLS, is_local_acl
from network.devnet.channelconfig.bundle import (
    BatchSize,
    ChannelBundle,
    ConfigError,
    OrgInfo,
    bundle_from_config,
    bundle_from_config_block,
    config_envelope_from_block,
)
from network.devnet.channelconfig.update import (
    ConfigUpdateError,
    propose_config_update,
    validate_config_envelope,
)
from network.devnet.msp import IdentityError, MSPIdentity
from network.devnet.policy import Policy, SignedData

__all__ = [
    "CHANNEL_ACLS",
    "LOCAL_ACLS",
    "BatchSize",
    "ChannelBundle",
    "ConfigError",
    "ConfigUpdateError",
    "IdentityError",
    "MSPIdentity",
    "OrgInfo",
    "Policy",
    "SignedData",
    "bundle_from_config",
    "bundle_from_config_block",
    "config_envelope_from_block",
    "is_local_acl",
    "propose_config_update",
    "validate_config_envelope",
]
