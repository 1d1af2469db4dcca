"""Helpers shared by the chaincode tests (module name kept unique: tests dirs are not packages)."""

from __future__ import annotations

import json

from chaincode.testing.certs import Identity
from chaincode.testing.harness import Harness

DOC = "a" * 64


def fungible(class_id: str, category: str = "security", decimals: int = 2, **rules: object) -> str:
    spec: dict[str, object] = {"id": class_id, "kind": "fungible", "category": category, "decimals": decimals}
    if "maxSupply" in rules:
        spec["maxSupply"] = rules.pop("maxSupply")
    spec["rules"] = rules
    return json.dumps(spec)


def nonfungible(class_id: str, category: str = "ip", **rules: object) -> str:
    return json.dumps({"id": class_id, "kind": "nonfungible", "category": category, "rules": rules})


def item(item_id: str, **metadata: object) -> str:
    return json.dumps({"id": item_id, "metadata": metadata, "contentHash": DOC})


def balance(h: Harness, who: Identity, class_id: str, account: str) -> int:
    return int(h.evaluate(who, "GetBalance", class_id, account)["balance"])


def supply(h: Harness, who: Identity, class_id: str) -> int:
    return int(h.evaluate(who, "GetClass", class_id)["supply"])
