"""``consortium up / status / down / reset`` on a generated network (real processes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devnet.nodes.devnet_support import make_network
from network.cli import main
from network.devnet.node import paths, processes, supervisor

pytestmark = pytest.mark.integration


def test_up_is_idempotent_status_reports_and_reset_keeps_crypto(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layout = make_network(tmp_path / "net", orgs=1)
    netdir = str(layout.root)
    try:
        assert main(["up", "--netdir", netdir]) == 0
        pids = {n.host: processes.running_pid(n) for n in supervisor.network_nodes(layout)}
        assert all(pids.values())
        assert main(["up", "--netdir", netdir]) == 0  # second run: nothing restarted
        assert {n.host: processes.running_pid(n) for n in supervisor.network_nodes(layout)} == pids
        capsys.readouterr()
        assert main(["status", "--netdir", netdir, "--json"]) == 0
        report = json.loads(capsys.readouterr().out)
        assert {r["host"] for r in report} == set(pids)
        assert all(r["healthy"] and r["channels"]["testchannel"]["height"] >= 1 for r in report)
        for node in supervisor.network_nodes(layout):
            assert node.log_file.stat().st_size > 0
    finally:
        assert main(["reset", "--netdir", netdir]) == 0
    assert not paths.data_root(layout.root).exists()
    assert layout.genesis_block("testchannel").is_file() and layout.peer_msp_dir("Org1MSP", "peer0").is_dir()
    assert all(processes.running_pid(n) is None for n in supervisor.network_nodes(layout))
    assert main(["status", "--netdir", netdir]) == 3  # nothing healthy


def test_up_generates_a_missing_network(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    source = (Path(__file__).parents[3] / "network" / "consortium.yaml").read_text()
    from devnet.nodes.devnet_support import free_base_port

    spec.write_text(source.replace("base_port: 7050", f"base_port: {free_base_port()}"))
    netdir = tmp_path / "fresh"
    try:
        assert main(["up", "--netdir", str(netdir), "--spec", str(spec)]) == 0
        assert (netdir / "spec.resolved.json").is_file()
    finally:
        main(["down", "--netdir", str(netdir)])


def test_status_lists_committed_chaincodes_after_deploy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deploy = pytest.importorskip("network.devnet.deploy")
    layout = make_network(tmp_path / "net", orgs=2, timeout="200ms")
    netdir = str(layout.root)
    supervisor.up(layout.root, timeout=90)
    chaincode = deploy.chaincode_process(layout, "tcc", "tests.devnet.endorsement.ccmain")
    try:
        deploy.deploy(layout, "tcc", channel="testchannel", module="tests.devnet.endorsement.ccmain")
        capsys.readouterr()
        assert main(["status", "--netdir", netdir, "--json"]) == 0
        report = json.loads(capsys.readouterr().out)
        peers = [r for r in report if r["kind"] == "peer"]
        assert len(peers) == 2
        for peer in peers:
            assert peer["channels"]["testchannel"]["chaincodes"]["tcc"]["sequence"] == 1
        assert main(["status", "--netdir", netdir]) == 0
        assert "tcc v" in capsys.readouterr().out
    finally:
        processes.stop(chaincode)
        supervisor.down(layout.root)
