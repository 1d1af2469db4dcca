"""Fast checks of the demo's pieces that need no network: step reporting, failure messages, the story's
arithmetic, and the wallet key file's permissions."""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from scripts.demokit import gateways, story  # noqa: E402
from scripts.demokit.gateways import OrgGateway  # noqa: E402
from scripts.demokit.netup import DemoError, planned_ports  # noqa: E402
from scripts.demokit.rest import Actor, Rest  # noqa: E402

GW = OrgGateway("Org1", "Org1MSP", "http://gw.test", "gk_x.y", ("org1-user1",))
ACTOR = Actor(GW, "org1-user1", "Org1MSP/User1@org1.example.com")


def rest_answering(handler: httpx.MockTransport) -> tuple[Rest, io.StringIO]:
    out = io.StringIO()
    rest = Rest(out=out)
    rest._clients[GW.base_url] = httpx.Client(base_url=GW.base_url, transport=handler)
    return rest, out


def test_submit_step_prints_who_status_txid_and_block() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"operation_id": "op1", "txid": "ab" * 32, "status": "COMMITTED",
                                         "block_number": 7, "result": {"id": "c1"}})

    rest, out = rest_answering(httpx.MockTransport(answer))
    result = rest.call(ACTOR, "POST", "/classes", "Register c1", {"spec": {"id": "c1"}})
    assert result == {"id": "c1"}
    assert seen[0].url.path == "/v1/orgs/Org1/classes"
    assert seen[0].headers["X-Fabric-Identity"] == "org1-user1"
    assert json.loads(seen[0].content) == {"spec": {"id": "c1"}}
    text = out.getvalue()
    assert "[01] Register c1" in text
    assert "by Org1 org1-user1 (Org1MSP/User1@org1.example.com)" in text
    assert f"POST /v1/orgs/Org1/classes -> HTTP 200  txid {'ab' * 32}  block 7" in text


def test_refused_step_names_step_status_code_and_field() -> None:
    def answer(_: httpx.Request) -> httpx.Response:
        return httpx.Response(409, json={"title": "Chaincode refused the transaction",
                                         "detail": "insufficient balance", "code": "INSUFFICIENT_BALANCE",
                                         "field": "amount"})

    rest, out = rest_answering(httpx.MockTransport(answer))
    with pytest.raises(DemoError) as err:
        rest.call(ACTOR, "POST", "/transfers", "Pay Org2", {"amount": "5"})
    message = str(err.value)
    assert message.startswith("Pay Org2: POST /v1/orgs/Org1/transfers by Org1 org1-user1")
    assert "HTTP 409" in message and "code=INSUFFICIENT_BALANCE" in message and "field=amount" in message
    assert rest.steps == [] and out.getvalue() == ""


def test_read_when_retries_until_the_reading_peer_has_caught_up() -> None:
    answers = iter([httpx.Response(404, json={"title": "Not found"}), httpx.Response(200, json={"result": {"n": 1}}),
                    httpx.Response(200, json={"result": {"n": 2}})])
    rest, out = rest_answering(httpx.MockTransport(lambda _: next(answers)))
    assert rest.read_when(ACTOR, "/x", "read x", lambda r: r["n"] == 2) == {"n": 2}
    assert out.getvalue().count("GET /v1/orgs/Org1/x -> HTTP 200  query") == 1


def test_expected_balances_conserve_every_class() -> None:
    ids = story.Ids.fresh()
    accounts = {"Org1MSP": "Org1MSP/a", "Org2MSP": "Org2MSP/b", "Org3MSP": "Org3MSP/c"}
    expected = story.expected_balances(ids, accounts)
    assert sum(expected[ids.eur].values()) == story.FUNDING_DEBTOR + story.FUNDING_FINANCIER
    assert sum(expected[ids.rcv_class].values()) == story.FACE
    assert sum(expected[ids.shares].values()) == story.SHARES
    assert expected[ids.eur]["Org1MSP/a"] == 942_000


def test_fresh_ids_differ_between_runs() -> None:
    assert story.Ids.fresh().run != story.Ids.fresh().run


def test_eur_formatting_is_exact() -> None:
    assert [story.eur(v) for v in (0, 5, 123_456_789, -250)] == ["0.00", "0.05", "1,234,567.89", "-2.50"]


def test_wallet_key_file_is_0600_and_a_loose_one_is_refused(tmp_path: Path) -> None:
    kek = gateways.ensure_kek(tmp_path)
    assert oct(kek.stat().st_mode & 0o777) == "0o600"
    assert gateways.ensure_kek(tmp_path) == kek  # kept on a re-run
    os.chmod(kek, 0o644)
    with pytest.raises(DemoError, match="must be 0600"):
        gateways.ensure_kek(tmp_path)


def test_port_plan_matches_the_default_spec() -> None:
    ports = planned_ports(7050)
    assert {7050, 7053, 9443, 7051, 8051, 9051, 9444, 9445, 9446, 9999}.issubset(ports)
