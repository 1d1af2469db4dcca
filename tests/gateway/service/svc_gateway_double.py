"""The gateway client's in-process Gateway double (``tests/gateway/client``, owned by the client's authors),
which verifies every signature as a peer would, for the service tests of the production ports.

Importing this module skips the importing test module if the double has moved.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from svc_support import World, auth

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "client"))
_double = pytest.importorskip("gwclient_server", reason="the gateway client's Gateway double moved")
FakeGateway, serve = _double.FakeGateway, _double.serve
make_identity = pytest.importorskip("gwclient_support", reason="the gateway client's test support moved").make_identity


@contextmanager
def serving_gateway(*msp_ids: str) -> Iterator[tuple[Any, int]]:
    """A double with one peer per MSP ID, listening on an ephemeral 127.0.0.1 port until the block ends."""
    gateway = FakeGateway([make_identity(msp_id, "peer0") for msp_id in msp_ids])
    server, port = serve(gateway)
    try:
        yield gateway, port
    finally:
        server.stop(None)


def submit_transfer(world: World, gateway: Any, client: TestClient) -> dict[str, Any]:
    """A synchronous Org1 ``Transfer`` that must come back VALID with the chaincode's result; its body."""
    r = client.post(
        "/v1/orgs/Org1/submit",
        json={"function": "Transfer", "args": ["c1", "a", "b", "5"]},
        headers=auth(world.keys["org1-full"]),
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert body["validation_code"] == "VALID" and body["result"] == "result:c1,a,b,5"
    assert gateway.committed[body["txid"]][0] == 0
    return body
