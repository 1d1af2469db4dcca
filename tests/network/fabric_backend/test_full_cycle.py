"""The whole operator journey, once per back end, through the same ``consortium`` commands:

up -> deploy the asset chaincode -> submit and evaluate through our gateway client -> add a fourth org
(signed config update; its peer joins and endorses) -> down -> up (state kept) -> down -> reset.

The ``fabric`` case runs official binaries (``FABRIC_BIN`` or PATH) and skips, naming what is missing, when
they are absent; the ``devnet`` case runs in every CI run. Nothing of Fabric is mocked.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fabnet import CHAINCODE, CHANNEL, NEW_ORG, asset_contract, fungible_class, spec_on_free_ports

from network.cli import main
from network.crypto.bootstrap import generate
from network.devnet.node.processes import read_pid_file
from network.fabric.binaries import MissingBinariesError, require_binaries
from network.fabric.ccaas import stop_servers
from network.layout import NetworkLayout


@dataclass(frozen=True)
class Backend:
    name: str
    orderers: int  # three raft orderers on Fabric; the devnet orderer runs one

    def flag(self) -> list[str]:
        return ["--backend", self.name]


BACKENDS = [
    pytest.param(Backend("devnet", 1), id="devnet", marks=pytest.mark.integration),
    pytest.param(Backend("fabric", 3), id="fabric", marks=[pytest.mark.integration, pytest.mark.fabric]),
]


@pytest.fixture(params=BACKENDS)
def running(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Backend, NetworkLayout]]:
    backend: Backend = request.param
    if backend.name == "fabric":
        try:
            require_binaries(("orderer", "peer"))
        except MissingBinariesError as exc:
            pytest.skip(str(exc))
    netdir = tmp_path / "net"
    generate(spec_on_free_ports(orderers=backend.orderers), netdir)
    layout = NetworkLayout(netdir)
    try:
        assert main(["up", "--netdir", str(netdir), "--timeout", "120", *backend.flag()]) == 0
        yield backend, layout
    finally:
        main(["down", "--netdir", str(netdir), *backend.flag()])
        stop_servers(layout, lambda _: None)  # devnet's `down` leaves chaincode servers running
    for pid_file in (netdir / "run").glob("*.pid"):  # down removes every pid file it stopped
        record = read_pid_file(pid_file)
        pytest.fail(f"{pid_file.name} left behind after down (pid {record[0] if record else '?'})")




@pytest.mark.timeout(900)
def test_up_deploy_transact_add_org_down(
    running: tuple[Backend, NetworkLayout], capsys: pytest.CaptureFixture[str]
) -> None:
    backend, layout = running
    netdir = str(layout.root)
    status = main(["status", "--netdir", netdir])  # no --backend: the back end used by `up` is remembered
    assert status == 0, capsys.readouterr()

    assert main(["deploy", "--netdir", netdir, "--name", CHAINCODE]) == 0
    issuer = asset_contract(NetworkLayout(layout.root), "Org1MSP")
    created = json.loads(issuer.submit_transaction("RegisterClass", fungible_class("BOND")))
    assert created["issuerOrg"] == "Org1MSP"
    seen = json.loads(asset_contract(NetworkLayout(layout.root), "Org2MSP").evaluate_transaction("GetClass", "BOND"))
    assert (seen["id"], seen["supply"]) == ("BOND", "0")

    capsys.readouterr()
    code = main(["add-org", "--netdir", netdir, "--name", NEW_ORG["name"], "--domain", NEW_ORG["domain"],
                 "--channel", CHANNEL, "--timeout", "120"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0, err
    grown = NetworkLayout(layout.root)
    assert "Org4MSP" in grown.spec.channel(CHANNEL).orgs

    code = main(["deploy", "--netdir", netdir, "--name", CHAINCODE])  # Org4 installs and approves
    err = capsys.readouterr().err
    assert code == 0, err
    newcomer = asset_contract(grown, "Org4MSP")
    assert json.loads(newcomer.evaluate_transaction("GetClass", "BOND"))["issuerOrg"] == "Org1MSP"
    assert json.loads(newcomer.submit_transaction("WhoAmI"))["msp"] == "Org4MSP"
    issued = asset_contract(grown, "Org1MSP").submit_transaction("RegisterClass", fungible_class("NOTE"))
    assert json.loads(issued)["id"]

    assert main(["down", "--netdir", netdir]) == 0
    assert sorted(p.name for p in (layout.root / "run").glob("*.pid")) == []
    assert main(["up", "--netdir", netdir]) == 0  # ledgers kept; the chaincode server comes back with the nodes
    assert json.loads(asset_contract(grown, "Org3MSP").evaluate_transaction("GetClass", "NOTE"))["id"] == "NOTE"
    assert main(["down", "--netdir", netdir]) == 0
    assert main(["reset", "--netdir", netdir]) == 0
    assert not (layout.root / "data").exists()  # ledgers gone ...
    assert grown.admin_msp_dir("Org4MSP").is_dir() and grown.genesis_block(CHANNEL).is_file()  # ... crypto kept


@pytest.mark.integration
@pytest.mark.fabric
@pytest.mark.timeout(600)
def test_raft_keeps_ordering_with_one_orderer_down(tmp_path: Path) -> None:
    """Three raft orderers tolerate one crash: the org is still added (another node orders the config update),
    and ``up`` brings the crashed node back, which catches up from its own ledger and its peers."""
    try:
        require_binaries(("orderer", "peer"))
    except MissingBinariesError as exc:
        pytest.skip(str(exc))
    from network.devnet.node.processes import kill
    from network.fabric import supervisor

    netdir = tmp_path / "net"
    generate(spec_on_free_ports(orderers=3), netdir)
    try:
        nodes = supervisor.up(netdir, timeout=120)
        first = next(n for n in nodes if n.kind == "orderer")
        kill(first.process)
        assert main(["add-org", "--netdir", str(netdir), "--name", NEW_ORG["name"], "--domain", NEW_ORG["domain"],
                     "--channel", CHANNEL, "--timeout", "120"]) == 0  # fmt: skip
        statuses = {s.host: s for s in supervisor.status(netdir)}
        assert all(s.healthy for s in statuses.values()), statuses
        assert statuses[first.host].channels[CHANNEL]["status"] == "active"
        assert "Org4MSP" in NetworkLayout(netdir).spec.channel(CHANNEL).orgs
    finally:
        supervisor.down(netdir)
