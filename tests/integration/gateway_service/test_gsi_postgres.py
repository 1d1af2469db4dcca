"""Two gateway replicas on one real PostgreSQL store: an Idempotency-Key is honoured across replicas
(same answer, one transaction on the ledger), and either replica can report the other's operations."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from gsi_assets import balance, mints_on_ledger, new_class
from gsi_gateway import GatewayProcess, poll_operation
from gsi_ledger import height
from gsi_postgres import postgres
from gsi_world import GatewayWorld

pytestmark = pytest.mark.integration


@pytest.fixture
def replicas(
    gw_world: GatewayWorld, gateway_factory: Callable[..., GatewayProcess]
) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    with postgres() as url:
        # several replicas on one store: recovery must leave a live replica's in-flight operations alone
        config = gw_world.config(gw_world.net.unique("pg"), store_url=url, orgs=("Org1",), recovery_grace=60)
        a, b = gateway_factory(config), gateway_factory(config)
        with httpx.Client(base_url=a.base, timeout=90) as ca, httpx.Client(base_url=b.base, timeout=90) as cb:
            yield ca, cb
            a.stop()
            b.stop()


def test_idempotency_key_is_shared_by_replicas(
    http: httpx.Client, gw_world: GatewayWorld, replicas: tuple[httpx.Client, httpx.Client]
) -> None:
    a, b = replicas
    class_id = new_class(http, gw_world, "PG")
    since = height(gw_world.net.layout, gw_world.net.channel)
    headers = gw_world.headers("Org1", "issuer1", **{"Idempotency-Key": f"pg-{class_id}"})
    payload = {"to": gw_world.account("Org1", "alice"), "amount": "4"}
    path = f"/v1/orgs/Org1/classes/{class_id}/mint"

    first = a.post(path, json=payload, headers=headers)
    assert first.status_code == 200, first.text
    again = b.post(path, json=payload, headers=headers)
    assert (again.status_code, again.json()) == (200, first.json())
    assert again.headers.get("Idempotent-Replayed") == "true"
    changed = b.post(path, json={**payload, "amount": "5"}, headers=headers)
    assert changed.status_code == 422 and changed.json()["field"] == "Idempotency-Key"

    # async on one replica, polled on the other
    queued = b.post(
        path, params={"mode": "async"}, json=payload, headers={**headers, "Idempotency-Key": "x" + class_id}
    )
    assert queued.status_code == 202, queued.text
    final = poll_operation(a, queued.headers["Location"], headers)
    assert final["status"] == "COMMITTED"

    assert len(mints_on_ledger(gw_world, class_id, since)) == 2  # one per Idempotency-Key, not per request
    assert balance(http, gw_world, "Org1", "alice", class_id) == 8
