"""X.509 MSP of the devnet: identities, validation, principals (Fabric ``msp/``)."""

from network.devnet.msp.errors import IdentityError, MSPConfigError
from network.devnet.msp.identity import IdentityIdentifier, MSPIdentity
from network.devnet.msp.manager import MSPManager
from network.devnet.msp.x509msp import X509MSP, collect_principals

__all__ = [
    "IdentityError",
    "IdentityIdentifier",
    "MSPConfigError",
    "MSPIdentity",
    "MSPManager",
    "X509MSP",
    "collect_principals",
]
