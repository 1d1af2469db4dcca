"""Everything a request handler needs, assembled once per process and passed explicitly."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from gateway.auth.apikeys import ApiKeyRegistry
from gateway.auth.jwt_auth import JwtVerifier
from gateway.auth.principal import AuthError, Principal, check_org, choose_identity
from gateway.auth.ratelimit import RateLimiter
from gateway.service.fabric_port import FabricPort, SigningIdentity
from gateway.service.metrics import Metrics
from gateway.service.settings import OrgSettings, Settings
from gateway.store.model import OperationStore
from gateway.wallet.wallet import Wallet, WalletError


@dataclass
class Runtime:
    settings: Settings
    ports: Mapping[str, FabricPort]
    wallet: Wallet
    store: OperationStore
    api_keys: ApiKeyRegistry
    jwt: JwtVerifier | None = None
    limiter: RateLimiter = field(default_factory=RateLimiter)
    metrics: Metrics = field(default_factory=Metrics)
    executor: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(8, "gateway-async"))
    # One thread per open event stream waits for Fabric's next event.
    stream_executor: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(256, "gateway-events"))

    def org(self, name: str) -> OrgSettings:
        org = self.settings.orgs.get(name)
        if org is None:
            raise AuthError(404, f"org {name!r} is not served here")
        return org

    def port(self, org: str) -> FabricPort:
        return self.ports[org]

    def signing_identity(self, principal: Principal, org: str, requested: str | None) -> SigningIdentity:
        """Resolve who signs. Refused unless the credential's org is ``org``, the credential lists the
        identity, and the wallet files that identity under ``org`` - three independent checks, so a
        mis-issued key still cannot make another org sign."""
        check_org(principal, org)
        label = choose_identity(principal, requested)
        try:
            entry = self.wallet.entry(label)
        except WalletError:
            raise AuthError(403, f"identity {label!r} is not available") from None
        if entry.org != org or entry.identity.msp_id != self.org(org).msp_id:
            raise AuthError(403, f"identity {label!r} does not belong to org {org!r}")
        return SigningIdentity(label, entry.identity, self.wallet.signer(label))

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=False)
        self.stream_executor.shutdown(wait=False, cancel_futures=True)
        self.store.close()
