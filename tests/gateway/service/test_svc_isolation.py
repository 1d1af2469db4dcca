"""The isolation matrix: every org-scoped endpoint x a credential of the wrong org -> refused, nothing signed.

Routes are enumerated from the app's own OpenAPI document, so an endpoint added later is covered
automatically. Each request is first shown to be valid for the right org, so the refusal is due to the
org and not to a malformed request.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from svc_support import World, auth

from gateway.service.app import create_app
from gateway.service.resource_table import RESOURCE_OPS

SAMPLE_PARAMS = {"operation_id": "0" * 32, "txid": "a" * 64}
ACCOUNT = "Org1MSP/alice"
SAMPLE_BODY_VALUES = {
    "to": ACCOUNT,
    "sender": ACCOUNT,
    "receiver": ACCOUNT,
    "owner": ACCOUNT,
    "spender": ACCOUNT,
    "payer": ACCOUNT,
    "account": ACCOUNT,
    "expires_at": "1900000000",
    "amount": "5",
    "page_size": "10",
    "document_hash": "b" * 64,
    "opinion": "fine",
    "reason": "audit",
    "reference": "r1",
    "scope": "*",
}


def _body_for(path: str, method: str) -> dict[str, Any] | None:
    if path.endswith("/evaluate") or path.endswith("/submit"):
        return {"function": "GetClass", "args": ["c1"]}
    for op in RESOURCE_OPS:
        if "/v1/orgs/{org}" + op.path == path and op.method == method:
            body: dict[str, Any] = {}
            for arg in op.args:
                if arg.source == "body":
                    body[arg.name] = SAMPLE_BODY_VALUES.get(arg.name, "id1")
                elif arg.source == "json":
                    body[arg.name] = {"id": "x"} if arg.json_kind == "object" else [{"id": "x"}]
            return body or None
    return None


def org_routes(world: World) -> list[tuple[str, str]]:
    """Every (method, path) the app publishes in its OpenAPI document under an org."""
    spec = create_app(world.runtime, recover_on_start=False).openapi()
    return [(method.upper(), path) for path, ops in spec["paths"].items() if "{org}" in path for method in ops]


def _url(path: str, org: str) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        return org if name == "org" else SAMPLE_PARAMS.get(name, "id1")

    return re.sub(r"\{(\w+)\}", fill, path)


def _call(client: TestClient, method: str, path: str, org: str, key: str) -> int:
    body = _body_for(path, method)
    headers = auth(key)
    url = _url(path, org)
    query = {"limit": "1"} if path.endswith("/events") else {}
    for op in RESOURCE_OPS:
        if "/v1/orgs/{org}" + op.path == path and op.method == method:
            query.update({a.name: SAMPLE_BODY_VALUES.get(a.name, "") for a in op.args if a.source == "query"})
    return client.request(method, url, json=body, params=query, headers=headers).status_code


def test_route_inventory_is_complete(world: World) -> None:
    routes = org_routes(world)
    assert len(routes) == len(RESOURCE_OPS) + 5  # + evaluate, submit, operations, transactions, events


def test_every_endpoint_refuses_a_key_of_another_org(client: TestClient, world: World) -> None:
    routes = org_routes(world)
    refused = []
    for method, path in routes:
        status = _call(client, method, path, "Org2", world.keys["org1-full"])
        assert status in (403, 404), f"{method} {path} with an Org1 key on Org2 gave {status}"
        refused.append((method, path))
        assert world.total_signatures() == 0, f"{method} {path} caused a signature"
    assert len(refused) == len(routes)


def test_every_matrix_request_is_valid_for_the_right_org(client: TestClient, world: World) -> None:
    for method, path in org_routes(world):
        status = _call(client, method, path, "Org1", world.keys["org1-full"])
        assert status not in (401, 403, 422), f"{method} {path} for its own org gave {status}"
    assert {msp for _, msp in world.fakes["Org1"].signatures} == {"Org1MSP"}
    assert world.fakes["Org2"].signatures == []


@pytest.mark.parametrize("org", ["Org3", "org1"])
def test_unknown_or_miscased_org_is_refused(client: TestClient, world: World, org: str) -> None:
    r = client.post(f"/v1/orgs/{org}/evaluate", json={"function": "GetClass"}, headers=auth(world.keys["org1-full"]))
    assert r.status_code == 403
    assert world.total_signatures() == 0


def test_receipts_of_another_org_are_invisible(client: TestClient, world: World) -> None:
    r = client.post("/v1/orgs/Org2/submit", json={"function": "Mint"}, headers=auth(world.keys["org2-full"]))
    assert r.status_code == 200
    op_id, txid = r.json()["operation_id"], r.json()["txid"]
    key1 = world.keys["org1-full"]
    missing_op = client.get(f"/v1/orgs/Org1/operations/{op_id}", headers=auth(key1))
    assert missing_op.status_code == 404 and missing_op.json()["type"].endswith("/operation-not-found")
    missing_tx = client.get(f"/v1/orgs/Org1/transactions/{txid}", headers=auth(key1))
    assert missing_tx.status_code == 404 and missing_tx.json()["type"].endswith("/transaction-not-found")
    assert missing_tx.json()["title"] == "Transaction not found"
    assert client.get(f"/v1/orgs/Org2/operations/{op_id}", headers=auth(key1)).status_code == 403
    assert client.get(f"/v1/orgs/Org2/operations/{op_id}", headers=auth(world.keys["org2-full"])).status_code == 200
