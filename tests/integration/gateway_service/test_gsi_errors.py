"""Error mapping on devnet: chaincode refusals, contract-API refusals and an unreachable peer."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from gsi_gateway import GatewayProcess, OrgPeer, free_port, write_config
from gsi_ledger import height, ledger_transactions
from gsi_world import GatewayWorld

pytestmark = pytest.mark.integration


def test_chaincode_error_codes_become_their_http_status(http: httpx.Client, gw_world: GatewayWorld) -> None:
    headers = gw_world.headers("Org1", "issuer1")
    bad_spec = http.post("/v1/orgs/Org1/classes", json={"spec": {"id": "x"}}, headers=headers)
    assert bad_spec.status_code == 400 and bad_spec.json()["code"] == "INVALID_ARGUMENT", bad_spec.text
    assert bad_spec.headers["content-type"].startswith("application/problem+json")
    missing = http.get(f"/v1/orgs/Org1/classes/{gw_world.net.unique('nope')}", headers=headers)
    assert missing.status_code == 404 and missing.json()["code"] == "NOT_FOUND"
    not_issuer = http.post(
        "/v1/orgs/Org2/classes",
        json={"spec": {"id": gw_world.net.unique("B"), "kind": "fungible", "category": "security", "decimals": 0}},
        headers=gw_world.headers("Org2", "bob"),
    )
    assert not_issuer.status_code == 403 and not_issuer.json()["code"] == "UNAUTHORIZED", not_issuer.text
    bad_field = http.post("/v1/orgs/Org1/transfers", json={"class_id": "c", "amount": "-1"}, headers=headers)
    assert bad_field.status_code == 422 and bad_field.json()["field"], bad_field.text


@pytest.mark.parametrize("function,args", [("NoSuchFunction", []), ("GetClass", [])])
def test_contract_api_refusals_are_client_errors(
    http: httpx.Client, gw_world: GatewayWorld, function: str, args: list[str]
) -> None:
    answer = http.post(
        "/v1/orgs/Org1/evaluate", json={"function": function, "args": args}, headers=gw_world.headers("Org1", "alice")
    )
    # the contract API's own refusals (not JSON) are the caller's fault (chaincode/README.md; fixed in 1087b55)
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_unreachable_peer_is_503_and_not_ready(
    gw_world: GatewayWorld, gateway_factory: Callable[..., GatewayProcess], tmp_path_factory: pytest.TempPathFactory
) -> None:
    peer = gw_world.peers["Org1"]
    dead = OrgPeer("Org1", peer.msp_id, f"127.0.0.1:{free_port()}", peer.tls_ca, peer.server_name)
    root = tmp_path_factory.mktemp("deadpeer")
    config = write_config(
        root / "dead.yaml", [dead], gw_world.net.channel, gw_world.chaincode,
        f"sqlite:///{root / 'dead.db'}", gw_world.wallet, gw_world.keys,
    )  # fmt: skip
    gw = gateway_factory(config, wait_for="/healthz")  # never ready: its peer does not exist
    with httpx.Client(base_url=gw.base, timeout=60) as client:
        assert client.get("/readyz").status_code == 503
        answer = client.get("/v1/orgs/Org1/whoami", headers=gw_world.headers("Org1", "alice"))
        assert answer.status_code == 503 and answer.json()["type"].endswith("peer-unavailable"), answer.text
        submitted = client.post(
            "/v1/orgs/Org1/classes/c1/pause", headers=gw_world.headers("Org1", "issuer1", **{"Idempotency-Key": "d1"})
        )
        assert submitted.status_code == 503, submitted.text
        # nothing was signed for the orderer, so the same key may be retried later (not a stored final answer)
        assert submitted.headers.get("Idempotent-Replayed") is None


@pytest.mark.parametrize("orgs", [[""], ["Org2MSP", "\x98"]], ids=["empty", "control-char"])
def test_malformed_endorsing_orgs_are_refused_as_input(
    http: httpx.Client, gw_world: GatewayWorld, orgs: list[str]
) -> None:
    """schemathesis finding (test_gsi_schemathesis): a malformed ``endorsing_orgs`` entry gave a 500."""
    answer = http.post(
        "/v1/orgs/Org1/submit",
        json={"function": "WhoAmI", "args": [], "endorsing_orgs": orgs},
        headers=gw_world.headers("Org1", "alice"),
    )
    assert answer.status_code == 422 and "endorsing_orgs" in answer.json().get("field", ""), answer.text


def test_endorsing_org_outside_the_channel_is_422_and_sends_nothing(http: httpx.Client, gw_world: GatewayWorld) -> None:
    """Fabric's gateway answers UNAVAILABLE ("no peers available ... in organization X") for an org it has no
    peer of; the org is not in the channel config (cscc GetConfigBlock), so retrying can never help: 422
    naming the entry (gateway/service/membership.py). Nothing may reach the orderer."""
    since = height(gw_world.net.layout, gw_world.net.channel)
    answer = http.post(
        "/v1/orgs/Org1/submit",
        json={"function": "WhoAmI", "args": [], "endorsing_orgs": ["NoSuchMSP"]},
        headers=gw_world.headers("Org1", "alice"),
    )
    assert answer.status_code == 422 and answer.json()["field"] == "endorsing_orgs[0]", answer.text
    assert "NoSuchMSP" in answer.json()["detail"]
    assert [t for t in ledger_transactions(gw_world.net.layout, gw_world.net.channel, since)
            if t.function == "WhoAmI"] == []  # fmt: skip
