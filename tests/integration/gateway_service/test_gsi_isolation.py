"""The isolation matrix: every business endpoint x every key of another org -> refused, and the ledger
proves that nothing was signed on anyone's behalf while the matrix ran.

One gateway process serves all three orgs from one wallet, so a wrong-org key is one path segment (or one
``X-Fabric-Identity`` header) away from the other org's signing key: the strongest setting for this check.
"""

from __future__ import annotations

import itertools

import httpx
import pytest
from gsi_assets import new_class
from gsi_ledger import height, ledger_transactions
from gsi_openapi import EndpointCall, business_endpoints
from gsi_world import ORGS, GatewayWorld, label

pytestmark = pytest.mark.integration


def is_receipt(endpoint: EndpointCall) -> bool:
    """Receipt routes read the store by org; they never sign, so they answer 404 rather than 403 in the
    caller's own org."""
    return endpoint.path_template.endswith(("/operations/{operation_id}", "/transactions/{txid}"))


def call(http: httpx.Client, endpoint: EndpointCall, org: str, headers: dict[str, str]) -> httpx.Response:
    return http.request(
        endpoint.method,
        endpoint.path(org),
        params={**endpoint.query, **({"limit": "1"} if endpoint.path_template.endswith("/events") else {})},
        json=endpoint.body,
        headers=headers,
    )


def test_every_endpoint_refuses_every_other_orgs_key(http: httpx.Client, gw_world: GatewayWorld) -> None:
    # a real Org1 operation, so the receipt endpoints are asked about something that exists
    class_id = new_class(http, gw_world, "ISO")
    op = http.post(f"/v1/orgs/Org1/classes/{class_id}/pause", headers=gw_world.headers("Org1", "issuer1")).json()
    assert op["validation_code"] == "VALID", op
    overrides = {"operation_id": op["operation_id"], "txid": op["txid"], "class_id": class_id}
    endpoints = business_endpoints(http.get("/openapi.json").json(), overrides)
    assert len(endpoints) >= 50  # every resource of resource_table.py plus the generic routes

    start = height(gw_world.net.layout, gw_world.net.channel)
    refused: list[tuple[str, str, str]] = []
    wrong: list[str] = []
    for target, caller in itertools.permutations(ORGS, 2):
        for endpoint in endpoints:
            answer = call(http, endpoint, target, {"X-API-Key": gw_world.api_keys[caller]})
            if answer.status_code == 403 and answer.headers["content-type"].startswith("application/problem+json"):
                refused.append((target, caller, endpoint.operation_id))
            else:
                wrong.append(f"{caller} key on {endpoint.method} {endpoint.path(target)}: {answer.status_code}")
            # naming the other org's identity explicitly changes nothing
            named = call(http, endpoint, target, gw_world.headers(caller, ORGS[caller][1][0])
                         | {"X-Fabric-Identity": label(target, ORGS[target][1][0])})  # fmt: skip
            if named.status_code != 403:
                wrong.append(f"{caller} key naming {target}'s identity on {endpoint.path(target)}: {named.status_code}")
            # in the caller's own org, asking to sign as the other org's identity is refused too
            borrowed = call(http, endpoint, caller, gw_world.headers(caller, ORGS[caller][1][0])
                            | {"X-Fabric-Identity": label(target, ORGS[target][1][0])})  # fmt: skip
            # (receipts ignore X-Fabric-Identity: they are the org's, and the operation is Org1's)
            expected = (200 if caller == "Org1" else 404) if is_receipt(endpoint) else 403
            if borrowed.status_code != expected:
                wrong.append(f"{caller} key borrowing {target}'s identity on {endpoint.path(caller)}: "
                             f"{borrowed.status_code}")  # fmt: skip
    assert not wrong, "\n".join(wrong)
    assert len(refused) == 6 * len(endpoints)

    # a mis-issued key (bound to Org2 but listing Org1's issuer) still cannot make Org1 sign or read
    for endpoint in endpoints:
        headers = {"X-API-Key": gw_world.misissued_key, "X-Fabric-Identity": label("Org1", "issuer1")}
        own_org = call(http, endpoint, "Org2", headers)
        if is_receipt(endpoint):
            assert own_org.status_code == 404, own_org.text  # Org1's receipt does not exist for Org2
        else:
            assert own_org.status_code == 403, f"{endpoint.path('Org2')}: {own_org.status_code} {own_org.text}"
        assert call(http, endpoint, "Org1", headers).status_code == 403

    after = ledger_transactions(gw_world.net.layout, gw_world.net.channel, start)
    assert [t.txid for t in after] == [], "a refused request reached the ledger"
    assert height(gw_world.net.layout, gw_world.net.channel) == start

    # control: the same gateway does serve the right key (the 403s above are not a broken service)
    mine = http.get(f"/v1/orgs/Org1/operations/{op['operation_id']}", headers=gw_world.headers("Org1", "alice"))
    assert mine.status_code == 200 and mine.json()["txid"] == op["txid"]
