"""Small asset-registry steps through the REST gateway, shared by the tests (classes, balances, mints)."""

from __future__ import annotations

import httpx
from gsi_ledger import ledger_transactions
from gsi_world import GatewayWorld


def new_class(http: httpx.Client, world: GatewayWorld, prefix: str = "EQ") -> str:
    class_id = world.net.unique(prefix)
    spec = {"id": class_id, "kind": "fungible", "category": "security", "decimals": 0}
    answer = http.post("/v1/orgs/Org1/classes", json={"spec": spec}, headers=world.headers("Org1", "issuer1"))
    assert answer.status_code == 200, answer.text
    assert answer.json()["validation_code"] == "VALID"
    return class_id


def balance(http: httpx.Client, world: GatewayWorld, org: str, user: str, class_id: str) -> int:
    msp, name = world.account(org, user).split("/", 1)
    answer = http.get(f"/v1/orgs/{org}/accounts/{msp}/{name}/balances/{class_id}", headers=world.headers(org, user))
    assert answer.status_code == 200, answer.text
    result = answer.json()["result"]
    return int(result["balance"] if isinstance(result, dict) else result)


def mints_on_ledger(world: GatewayWorld, class_id: str, since: int) -> list[str]:
    """Txids of VALID Mint transactions of ``class_id`` committed from block ``since``."""
    txs = ledger_transactions(world.net.layout, world.net.channel, since)
    return [t.txid for t in txs if t.function == "Mint" and t.args[:1] == (class_id,) and t.valid]
