"""Every router of the REST gateway, through real HTTP, against the asset chaincode on devnet.

Each answer is checked against what the chaincode (evaluated through the gateway, or the ledger through
qscc) says, so a router that answered 200 without reaching Fabric would fail.
"""

from __future__ import annotations

import json
import time

import httpx
import pytest
from gsi_assets import balance, new_class
from gsi_ledger import ledger_transactions
from gsi_world import GatewayWorld

pytestmark = pytest.mark.integration


def test_health_readiness_and_metrics(http: httpx.Client) -> None:
    assert http.get("/healthz").json() == {"status": "ok"}
    ready = http.get("/readyz")
    assert ready.status_code == 200 and ready.json()["orgs"] == ["Org1", "Org2", "Org3"]
    assert "# TYPE" in http.get("/metrics").text
    assert http.get("/openapi.json").json()["info"]["title"] == "Consortium Fabric Gateway"


def test_identity_router_reports_the_wallet_identity_chosen(http: httpx.Client, gw_world: GatewayWorld) -> None:
    for org, user in (("Org1", "issuer1"), ("Org2", "bob"), ("Org3", "carol")):
        me = http.get(f"/v1/orgs/{org}/whoami", headers=gw_world.headers(org, user)).json()["result"]
        assert f"{me['msp']}/{me['cn']}" == gw_world.account(org, user)


def test_classes_assets_accounts_transfers_and_receipts(http: httpx.Client, gw_world: GatewayWorld) -> None:
    class_id = new_class(http, gw_world)
    issuer = gw_world.headers("Org1", "issuer1")
    got = http.get(f"/v1/orgs/Org1/classes/{class_id}", headers=issuer)
    assert got.status_code == 200 and got.json()["result"]["id"] == class_id
    listed = http.get("/v1/orgs/Org2/classes", params={"page_size": "200"}, headers=gw_world.headers("Org2", "bob"))
    assert listed.status_code == 200

    alice, bob = gw_world.account("Org1", "alice"), gw_world.account("Org2", "bob")
    minted = http.post(f"/v1/orgs/Org1/classes/{class_id}/mint", json={"to": alice, "amount": "100"}, headers=issuer)
    assert minted.status_code == 200, minted.text
    assert balance(http, gw_world, "Org1", "alice", class_id) == 100

    moved = http.post(
        "/v1/orgs/Org1/transfers",
        json={"class_id": class_id, "sender": alice, "receiver": bob, "amount": "30"},
        headers=gw_world.headers("Org1", "alice"),
    )
    assert moved.status_code == 200, moved.text
    assert balance(http, gw_world, "Org1", "alice", class_id) == 70
    assert balance(http, gw_world, "Org2", "bob", class_id) == 30
    # receipts: by operation id and by txid, both only in the caller's org
    receipt = http.get(f"/v1/orgs/Org1/transactions/{moved.json()['txid']}", headers=issuer).json()
    assert receipt["status"] == "COMMITTED" and receipt["validation_code"] == "VALID"
    by_op = http.get(f"/v1/orgs/Org1/operations/{receipt['operation_id']}", headers=issuer).json()
    assert by_op["txid"] == moved.json()["txid"]
    # the ledger holds exactly that transfer, signed by Org1
    tx = [t for t in ledger_transactions(gw_world.net.layout, gw_world.net.channel, moved.json()["block_number"])
          if t.txid == moved.json()["txid"]]  # fmt: skip
    assert [(t.creator_msp, t.function, t.valid) for t in tx] == [("Org1MSP", "Transfer", True)]

    # chaincode errors keep their meaning over HTTP
    too_much = http.post(
        "/v1/orgs/Org1/transfers",
        json={"class_id": class_id, "sender": alice, "receiver": bob, "amount": "1000"},
        headers=gw_world.headers("Org1", "alice"),
    )
    assert too_much.status_code == 409 and too_much.json()["code"] == "INSUFFICIENT_BALANCE"


def test_kyc_swaps_distributions_receivables_generic(http: httpx.Client, gw_world: GatewayWorld) -> None:
    alice = gw_world.account("Org1", "alice")
    msp, name = alice.split("/", 1)
    kyc = gw_world.headers("Org1", "kyc1")
    expires = str(int(time.time()) + 86400)
    granted = http.put(f"/v1/orgs/Org1/kyc/{msp}/{name}", json={"expires_at": expires}, headers=kyc)
    assert granted.status_code == 200, granted.text
    status = http.get(f"/v1/orgs/Org1/kyc/{msp}/{name}", headers=kyc)
    assert status.status_code == 200 and expires in json.dumps(status.json()["result"])

    for path in ("swaps", "distributions", "receivables"):
        missing = http.get(f"/v1/orgs/Org1/{path}/{gw_world.net.unique('none')}", headers=kyc)
        assert missing.status_code == 404 and missing.json()["code"] == "NOT_FOUND", missing.text

    class_id = new_class(http, gw_world, "PAY")
    receivable_id = gw_world.net.unique("RCV")
    spec = {
        "id": receivable_id,
        "creditor": alice,
        "debtor": gw_world.account("Org2", "bob"),
        "paymentClassId": class_id,
        "amount": "50",
        "dueDate": str(int(time.time()) + 3600),
        "documentHash": "ab" * 32,
    }
    created = http.post("/v1/orgs/Org1/receivables", json={"spec": spec}, headers=gw_world.headers("Org1", "alice"))
    assert created.status_code == 200, created.text
    got = http.get(f"/v1/orgs/Org1/receivables/{receivable_id}", headers=kyc)
    assert got.status_code == 200 and got.json()["result"]["id"] == receivable_id

    evaluated = http.post(
        "/v1/orgs/Org3/evaluate", json={"function": "GetClass", "args": [class_id]},
        headers=gw_world.headers("Org3", "carol"),
    )  # fmt: skip
    assert evaluated.status_code == 200 and evaluated.json()["result"]["id"] == class_id
    submitted = http.post(
        "/v1/orgs/Org3/submit", json={"function": "Compact", "args": [class_id, gw_world.account("Org3", "carol")]},
        headers=gw_world.headers("Org3", "carol"),
    )  # fmt: skip
    assert submitted.status_code == 200 and submitted.json()["validation_code"] == "VALID", submitted.text
