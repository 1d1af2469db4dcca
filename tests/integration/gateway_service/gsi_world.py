"""The gateway-side world of the integration tests: the orgs served, their wallet labels and API keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gsi_gateway import OrgPeer, write_config
from integration.conftest import AssetNetwork

# gateway org name -> (MSP ID, users imported into the wallet as "<org lower>-<user>")
ORGS: dict[str, tuple[str, tuple[str, ...]]] = {
    "Org1": ("Org1MSP", ("issuer1", "kyc1", "alice")),
    "Org2": ("Org2MSP", ("issuer2", "kyc2", "bob")),
    "Org3": ("Org3MSP", ("auditor3", "carol")),
}


def label(org: str, user: str) -> str:
    return f"{org.lower()}-{user}"


@dataclass
class GatewayWorld:
    """Wallet, API keys and peers of the three orgs; ``config()`` writes a gateway configuration."""

    net: AssetNetwork
    root: Path
    wallet: Path
    keys: Path
    peers: dict[str, OrgPeer]
    api_keys: dict[str, str] = field(default_factory=dict)  # org -> key listing all of that org's identities
    chaincode: str = ""  # our own copy of the asset chaincode (own world state), see gw_world
    misissued_key: str = ""  # bound to Org2 but listing Org1's issuer: the wallet check must still refuse

    def config(
        self, name: str, store_url: str | None = None, orgs: tuple[str, ...] = tuple(ORGS), **extra: object
    ) -> Path:
        url = store_url or f"sqlite:///{self.root / (name + '.db')}"
        return write_config(
            self.root / f"{name}.yaml",
            [self.peers[o] for o in orgs],
            self.net.channel,
            self.chaincode,
            url,
            self.wallet,
            self.keys,
            **extra,
        )

    def headers(self, org: str, user: str, **more: str) -> dict[str, str]:
        return {"X-API-Key": self.api_keys[org], "X-Fabric-Identity": label(org, user), **more}

    def account(self, org: str, user: str) -> str:
        return self.net.account(ORGS[org][0], user)
