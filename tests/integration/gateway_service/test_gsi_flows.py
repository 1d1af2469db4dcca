"""Cross-org business flows through two orgs' REST routes: a delivery-versus-payment swap between an Org1
and an Org2 account, then a dividend paid to the holders. Every step is a real transaction on devnet."""

from __future__ import annotations

import time

import httpx
import pytest
from gsi_assets import balance
from gsi_world import GatewayWorld

pytestmark = pytest.mark.integration


def submit_ok(answer: httpx.Response) -> dict[str, object]:
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    assert body["validation_code"] == "VALID", body
    return body


def register_and_mint(http: httpx.Client, world: GatewayWorld, org: str, issuer: str, to: str, amount: str) -> str:
    class_id = world.net.unique(f"{org}C")
    spec = {"id": class_id, "kind": "fungible", "category": "security", "decimals": 0}
    submit_ok(http.post(f"/v1/orgs/{org}/classes", json={"spec": spec}, headers=world.headers(org, issuer)))
    submit_ok(
        http.post(f"/v1/orgs/{org}/classes/{class_id}/mint", json={"to": to, "amount": amount},
                  headers=world.headers(org, issuer))
    )  # fmt: skip
    return class_id


def test_swap_between_orgs_then_dividend_to_holders(http: httpx.Client, gw_world: GatewayWorld) -> None:
    alice, bob = gw_world.account("Org1", "alice"), gw_world.account("Org2", "bob")
    equity = register_and_mint(http, gw_world, "Org1", "issuer1", alice, "50")
    cash = register_and_mint(http, gw_world, "Org2", "issuer2", bob, "40")

    swap_id = gw_world.net.unique("SWAP")
    spec = {
        "id": swap_id,
        "maker": alice,
        "taker": bob,
        "give": {"classId": equity, "amount": "20"},
        "take": {"classId": cash, "amount": "15"},
        "expiresAt": str(int(time.time()) + 3600),
    }
    submit_ok(http.post("/v1/orgs/Org1/swaps", json={"spec": spec}, headers=gw_world.headers("Org1", "alice")))
    proposed = http.get(f"/v1/orgs/Org2/swaps/{swap_id}", headers=gw_world.headers("Org2", "bob")).json()["result"]
    assert proposed["maker"] == alice and proposed["taker"] == bob
    assert balance(http, gw_world, "Org1", "alice", equity) == 30  # the maker's leg is escrowed

    submit_ok(http.post(f"/v1/orgs/Org2/swaps/{swap_id}/settle", headers=gw_world.headers("Org2", "bob")))
    assert balance(http, gw_world, "Org2", "bob", equity) == 20
    assert balance(http, gw_world, "Org1", "alice", cash) == 15
    assert balance(http, gw_world, "Org2", "bob", cash) == 25

    # dividend on the equity class, paid by its issuer in a payment class of its own
    issuer_account = gw_world.account("Org1", "issuer1")
    payment = register_and_mint(http, gw_world, "Org1", "issuer1", issuer_account, "1000")
    dist_id = gw_world.net.unique("DIV")
    dist = {"id": dist_id, "classId": equity, "paymentClassId": payment, "payer": issuer_account,
            "amount": "100", "kind": "dividend"}  # fmt: skip
    submit_ok(
        http.post("/v1/orgs/Org1/distributions", json={"spec": dist}, headers=gw_world.headers("Org1", "issuer1"))
    )
    submit_ok(
        http.post(f"/v1/orgs/Org1/distributions/{dist_id}/process", json={"page_size": "100"},
                  headers=gw_world.headers("Org1", "issuer1"))
    )  # fmt: skip
    record = http.get(f"/v1/orgs/Org2/distributions/{dist_id}", headers=gw_world.headers("Org2", "bob"))
    assert record.status_code == 200 and record.json()["result"]["id"] == dist_id
    # holders at the record date: alice 30 of 50, bob 20 of 50
    assert balance(http, gw_world, "Org1", "alice", payment) == 60
    assert balance(http, gw_world, "Org2", "bob", payment) == 40
    assert balance(http, gw_world, "Org1", "issuer1", payment) == 900
