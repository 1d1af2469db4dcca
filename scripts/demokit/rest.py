"""Calls to the REST gateways, one numbered and printed step each: who (org, wallet identity, ledger
account), what, the HTTP status and, for submits, the txid and block number. A non-2xx answer stops the
story with the problem document's title, detail, code and field."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, TextIO

import httpx

from scripts.demokit.gateways import OrgGateway
from scripts.demokit.netup import DemoError

HTTP_TIMEOUT = 120.0
CATCH_UP_TIMEOUT = 30.0


@dataclass(frozen=True)
class Actor:
    """A wallet identity of one org's gateway, and its ledger account ``<MSP ID>/<CN>`` (from WhoAmI)."""

    gateway: OrgGateway
    identity: str
    account: str = ""
    roles: tuple[str, ...] = ()

    @property
    def who(self) -> str:
        return f"{self.gateway.org} {self.identity} ({self.account or self.gateway.msp_id})"


@dataclass(frozen=True)
class Step:
    number: int
    who: str
    title: str
    method: str
    path: str
    status: int
    txid: str | None
    block: int | None
    result: Any


@dataclass
class Rest:
    out: TextIO = field(default_factory=lambda: sys.stdout)
    steps: list[Step] = field(default_factory=list)
    _clients: dict[str, httpx.Client] = field(default_factory=dict)

    def _client(self, gw: OrgGateway) -> httpx.Client:
        if gw.base_url not in self._clients:
            self._clients[gw.base_url] = httpx.Client(base_url=gw.base_url, timeout=HTTP_TIMEOUT,
                                                      headers={"X-API-Key": gw.api_key})
        return self._clients[gw.base_url]

    def close(self) -> None:
        for client in self._clients.values():
            client.close()

    def call(self, actor: Actor, method: str, route: str, title: str, body: dict[str, Any] | None = None,
             params: dict[str, str] | None = None, quiet: bool = False) -> Any:
        """``route`` is relative to ``/v1/orgs/{org}``; returns the chaincode result (JSON)."""
        path = f"/v1/orgs/{actor.gateway.org}{route}"
        try:
            response = self._client(actor.gateway).request(
                method, path, json=body, params=params, headers={"X-Fabric-Identity": actor.identity})
        except httpx.HTTPError as exc:
            raise DemoError(f"{title}: {method} {path} by {actor.who}: no answer from the gateway: {exc}") from exc
        data = _json(response)
        if not response.is_success:
            raise DemoError(f"{title}: {method} {path} by {actor.who} answered HTTP {response.status_code}: "
                            f"{_problem(data)}")
        txid = data.get("txid") if isinstance(data, dict) else None
        block = data.get("block_number") if isinstance(data, dict) else None
        result = data.get("result") if isinstance(data, dict) else data
        step = Step(len(self.steps) + 1, actor.who, title, method, path, response.status_code, txid, block, result)
        self.steps.append(step)
        if not quiet:
            self.print_step(step)
        return result

    def read_when(self, actor: Actor, route: str, title: str, ready: Callable[[Any], bool],
                  timeout: float = CATCH_UP_TIMEOUT, quiet: bool = False) -> Any:
        """GET ``route`` until ``ready(result)``. Each peer commits blocks at its own pace, so a query
        through one org's peer may not yet see a transaction another org's peer has committed; a 404 or a
        not-yet-ready answer is retried until ``timeout``, after which the last answer is returned as is."""
        deadline = time.monotonic() + timeout
        before = len(self.steps)
        while True:
            try:
                result = self.call(actor, "GET", route, title, quiet=True)
                if ready(result) or time.monotonic() > deadline:
                    break
            except DemoError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.3)
        last = replace(self.steps[-1], number=before + 1)  # the retries count as one step
        del self.steps[before:]
        self.steps.append(last)
        if not quiet:
            self.print_step(last)
        return result

    def print_step(self, step: Step) -> None:
        where = f"txid {step.txid}  block {step.block}" if step.txid else "query"
        print(f"[{step.number:02d}] {step.title}\n"
              f"     by {step.who}\n"
              f"     {step.method} {step.path} -> HTTP {step.status}  {where}", file=self.out, flush=True)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return {"detail": response.text[:500]}


def _problem(data: Any) -> str:
    if not isinstance(data, dict):
        return str(data)[:500]
    parts = [str(data[k]) for k in ("title", "detail") if data.get(k)]
    for k in ("code", "field"):
        if data.get(k):
            parts.append(f"{k}={data[k]}")
    return "; ".join(parts) or str(data)[:500]
