"""The main job end to end: ``scripts/demo.py`` twice on a temp netdir and a free base port, the second
time with ``--down``; then fast checks of the pieces that need no network (step reporting, failure
messages, arithmetic, KEK mode).

The story's outcomes are checked three ways: the exit code and printed steps, the JSON summary, and - with
nothing of the demo in between - the ledger itself: the stopped network is started again from its files,
and the Python Gateway client queries Org3's peer and checks printed txids' commit status.
"""

from __future__ import annotations

import io
import json
import os
import re
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.client import connect, load_msp_identity
from gateway.client.contract import Contract
from gateway.client.network import Network
from gateway.client.tls import secure_channel
from network.devnet import deploy
from network.devnet.node import processes, supervisor
from network.layout import NetworkLayout
from network.spec import parse_spec
from network.spec.freeports import port_free
from network.spec.ports import planned_ports
from scripts.demokit import gateways, netup, story
from scripts.demokit.gateways import OrgGateway
from scripts.demokit.netup import DemoError
from scripts.demokit.rest import Actor, Rest

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "scripts" / "demo.py"
# The story's outcome, worked out by hand (scripts/demokit/story.py docstring), in smallest units:
EUR = {"Org1MSP": 942_000, "Org2MSP": 5_038_000, "Org3MSP": 9_020_000}
RECEIVABLE_UNITS = {"Org1MSP": 600_000, "Org2MSP": 400_000, "Org3MSP": 0}
SHARES = {"Org1MSP": 50, "Org2MSP": 30, "Org3MSP": 20}


def run_demo(*args: str, timeout: float = 540) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(DEMO), *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def nothing_running(netdir: Path) -> list[str]:
    layout = NetworkLayout(netdir)
    alive = [s.host for s in supervisor.status(netdir) if s.pid]
    if processes.running_pid(deploy.chaincode_process(layout, netup.CHAINCODE, netup.CHAINCODE_MODULE)):
        alive.append("chaincode")
    for pid_file in (netdir / "gateways").glob("*/gateway.pid"):
        alive.append(str(pid_file))
    return alive


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[list[subprocess.CompletedProcess[str]],
                                                                           Path, list[dict[str, Any]]]]:
    """The demo twice on one netdir: first leaving everything running, then again with ``--down``."""
    netdir = tmp_path_factory.mktemp("demo") / "net"
    summaries = [netdir.parent / "first.json", netdir.parent / "second.json"]
    try:
        base = str(netup.pick_base_port())
        first = run_demo("--netdir", str(netdir), "--base-port", base, "--json-summary", str(summaries[0]))
        second = run_demo("--netdir", str(netdir), "--base-port", base, "--down", "--json-summary",
                          str(summaries[1]))
        data = [json.loads(s.read_text()) if s.is_file() else {} for s in summaries]
        yield [first, second], netdir, data
    finally:
        run_demo("--netdir", str(netdir), "--stop", timeout=120)


def evaluate_json(contract: Contract, function: str, *args: str) -> Any:
    return json.loads(contract.evaluate_transaction(function, *args))


def eventually(read: Any, want: Any, timeout: float = 60.0) -> Any:
    """The restarted peer pulls blocks it had not committed before the stop; wait until it has them."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            got = read()
        except Exception:  # the chaincode server may still be connecting after the restart
            got = None
        if got == want or time.monotonic() > deadline:
            return got
        time.sleep(0.5)


@pytest.mark.integration
@pytest.mark.timeout(900)
def test_demo_story_outcomes_on_the_ledger(demo_runs: tuple[list[subprocess.CompletedProcess[str]], Path,
                                                             list[dict[str, Any]]]) -> None:
    (first, done), netdir, (first_summary, summary) = demo_runs
    for run in (first, done):
        assert run.returncode == 0, f"demo failed:\n{run.stdout[-4000:]}\n{run.stderr[-4000:]}"
        assert "DEMO OK" in run.stdout
    # the second run found everything in place: same deployment, fresh asset ids
    assert "(deployed now)" in first.stdout and "(already deployed, unchanged)" in done.stdout
    assert "--stop" in first.stdout and "consortium down --netdir" in first.stdout
    assert first_summary["ids"]["run"] != summary["ids"]["run"]
    out = done.stdout

    # printed steps: who, HTTP status, txid and block for every submit
    statuses = re.findall(r"-> HTTP (\d{3})", out)
    assert statuses and set(statuses) == {"200"}
    printed = re.findall(r"txid ([0-9a-f]{64})  block (\d+)", out)
    assert len(printed) >= 14
    assert "by Org2 org2-treasury (Org2MSP/Treasury@org2.example.com)" in out
    assert "by Org3 org3-user1 (Org3MSP/User1@org3.example.com)" in out

    # --down stopped gateways, chaincode server and nodes; the wallet KEK is private
    assert nothing_running(netdir) == []
    assert stat.S_IMODE((netdir / "gateways" / "wallet.kek").stat().st_mode) == 0o600

    ids, accounts = summary["ids"], summary["accounts"]
    assert summary["receivable_status"] == "settled"

    # the ledger, independently: restart the stopped network from its files and ask Org3's peer
    layout = NetworkLayout(netdir)
    try:
        supervisor.up(netdir, timeout=120)
        deploy.deploy(layout, netup.CHAINCODE, module=netup.CHAINCODE_MODULE)
        org, peer = next((o, p) for o, p in layout.spec.peers() if o.msp_id == "Org3MSP")
        identity, signer = load_msp_identity(layout.user_msp_dir("Org3MSP", "User1"), "Org3MSP")
        channel = secure_channel(f"127.0.0.1:{peer.port}", layout.tlsca_cert("Org3MSP").read_bytes(),
                                 server_name_override=f"{peer.name}.{org.domain}")
        try:
            gw = connect(channel, identity, signer)
            net: Network = gw.get_network(layout.spec.channels[0].name)
            cc = net.get_contract(netup.CHAINCODE)

            def balance(class_id: str, msp: str) -> int:
                return int(evaluate_json(cc, "GetBalance", class_id, accounts[msp])["balance"])

            for msp in ("Org1MSP", "Org2MSP", "Org3MSP"):
                assert eventually(lambda m=msp: balance(ids["eur"], m), EUR[msp]) == EUR[msp]
                assert balance(ids["rcv_class"], msp) == RECEIVABLE_UNITS[msp]
                assert balance(ids["shares"], msp) == SHARES[msp]
            for msp in ("Org1MSP", "Org2MSP", "Org3MSP"):  # the first run's assets are untouched by the second
                assert balance(first_summary["ids"]["eur"], msp) == EUR[msp]
            assert evaluate_json(cc, "GetReceivable", ids["receivable"])["status"] == "settled"
            assert evaluate_json(cc, "GetSwap", ids["swap"])["status"] == "settled"
            royalty = evaluate_json(cc, "GetDistribution", ids["royalty"])
            assert (royalty["status"], royalty["kind"], royalty["paid"]) == ("completed", "royalty", "100000")
            item = evaluate_json(cc, "GetItem", ids["ip_class"], ids["patent"])
            assert item["owner"] == accounts["Org1MSP"]

            # every txid the demo printed committed VALID in the block it printed
            for txid, block in printed:
                status = net.new_commit(txid).get_status()
                assert status.successful, txid
                assert status.block_number == int(block)
        finally:
            channel.close()
    finally:
        netup.stop_network(netdir, lambda _: None)


def test_help_documents_both_ways_to_stop() -> None:
    done = run_demo("--help", timeout=60)
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    assert "--down" in text and "--stop" in text and "consortium down --netdir" in text
    assert "--base-port" in text


def test_base_port_conflicting_with_an_existing_network_is_refused(tmp_path: Path) -> None:
    netdir = tmp_path / "net"
    base = netup.pick_base_port()
    other = base + 1000 if base < 49000 else base - 1000
    netup.ensure_network(netdir, base, lambda _: None)
    with pytest.raises(netup.DemoError, match=rf"--base-port: .* base_port {base}, not {other}"):
        netup.ensure_network(netdir, other, lambda _: None)
    assert NetworkLayout(netdir).spec.base_port == base  # nothing rewritten


# -- pieces without a network ----------------------------------------------------------------------

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
    ports = planned_ports(parse_spec(netup.default_spec_data(7050), "default"))
    assert {7050, 7053, 9443, 7051, 8051, 9051, 9444, 9445, 9446, 9999}.issubset(ports)


def test_picked_base_port_has_its_whole_plan_free() -> None:
    base = netup.pick_base_port()
    plan = planned_ports(parse_spec(netup.default_spec_data(base), "default"))
    assert plan[0] == base and all(port_free(p) for p in plan)


def test_a_failing_step_exits_non_zero_with_a_clear_message(tmp_path: Path) -> None:
    """A directory holding something else than a network: the first step fails, nothing is started."""
    netdir = tmp_path / "not-a-network"
    netdir.mkdir()
    (netdir / "notes.txt").write_text("mine")
    done = run_demo("--netdir", str(netdir), "--base-port", str(netup.pick_base_port()), timeout=120)
    assert done.returncode == 1
    assert "DEMO FAILED: GenerateError:" in done.stderr and "refusing to touch it" in done.stderr
    assert sorted(p.name for p in netdir.iterdir()) == ["notes.txt"]
    assert "--stop" in done.stdout  # still says how to stop whatever may run


def test_a_busy_port_plan_is_refused_before_anything_is_generated(tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        base = busy.getsockname()[1]
        with pytest.raises(DemoError, match=rf"--base-port: ports \[{base}.*--base-port 0"):
            netup.ensure_network(tmp_path / "net", base, lambda _: None)
    assert not (tmp_path / "net").exists()
