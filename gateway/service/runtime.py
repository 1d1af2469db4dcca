"""Everything a request handler needs, assembled once per process and passed explicitly."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from gateway.auth.apikeys import ApiKeyRegistry
from gateway.auth.jwt_auth import JwtVerifier
from gateway.auth.principal import AuthError, Principal, check_org, choose_identity
from gateway.auth.ratelimit import RateLimiter
from gateway.service.fabric_port import AsyncFabricPort, FabricPort, SigningIdentity
from gateway.service.metrics import Metrics
from gateway.service.port_adapter import BlockingPortAdapter
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
    # asyncio-native ports for the submit path (``aio_port.py``); an org without one is served by its blocking
    # port in worker threads (tests inject blocking fakes this way).
    aio_ports: Mapping[str, AsyncFabricPort] = field(default_factory=dict)
    # Background settles of async-mode submits; referenced here so the loop does not drop them mid-flight.
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    # One thread per open event stream waits for Fabric's next event.
    stream_executor: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(256, "gateway-events"))

    def org(self, name: str) -> OrgSettings:
        org = self.settings.orgs.get(name)
        if org is None:
            raise AuthError(404, f"org {name!r} is not served here")
        return org

    def port(self, org: str) -> FabricPort:
        return self.ports[org]

    def submit_port(self, org: str) -> AsyncFabricPort:
        port = self.aio_ports.get(org)
        return port if port is not None else BlockingPortAdapter(self.ports[org])

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` on the current loop after the request has been answered."""
        task = asyncio.get_running_loop().create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

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
