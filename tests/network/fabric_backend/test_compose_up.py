"""The docker compose back end end to end on the ``hyperledger/fabric-peer``/``fabric-orderer`` images:

``up --backend compose`` (orderers and peers in containers, channel joins) -> ``deploy`` the asset chaincode
(CCaaS, server on the host) -> submit and evaluate through our gateway client -> ``add-org`` (its peer's
container joins, endorses) -> ``down`` -> ``up`` (ledgers kept) -> ``down`` -> ``reset``. The host's Fabric
binaries are hidden (``FABRIC_BIN`` unset): every ``peer`` command runs inside a container. Skips, naming
why, when docker is not usable or the images are absent (nothing is pulled). Runs once per release line whose
images are present (3.1: the default tag; 2.5: nodes join the V2_0-capability genesis variant, as on native
v2.5 binaries). Nothing of Fabric is mocked.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fabnet import CHAINCODE, CHANNEL, NEW_ORG, asset_contract, fungible_class, spec_on_free_ports

from network.cli import main
from network.crypto.bootstrap import generate
from network.fabric import compose_run
from network.fabric.ccaas import stop_servers
from network.fabric.compose import DEFAULT_TAG, folder_owner, images, network_project
from network.fabric.docker_cli import docker_problem, missing_images
from network.layout import NetworkLayout

TAGS = [DEFAULT_TAG, "2.5"]

pytestmark = [pytest.mark.integration, pytest.mark.fabric, pytest.mark.docker]


def _skip_without_docker(tag: str) -> None:
    problem = docker_problem()
    if problem is not None:
        pytest.skip(f"docker not usable: {problem}")
    missing = missing_images(images(tag))
    if missing:
        pytest.skip(f"images not present locally (`docker image inspect`): {', '.join(missing)}")


def _project_containers(project: str) -> list[str]:
    label = f"label=com.docker.compose.project={project}"
    run = subprocess.run(["docker", "ps", "--all", "--quiet", "--filter", label],
                         capture_output=True, text=True, check=True, timeout=30)  # fmt: skip
    return run.stdout.split()


@pytest.fixture(params=TAGS)
def image_tag(request: pytest.FixtureRequest) -> str:
    tag: str = request.param
    _skip_without_docker(tag)
    return tag


@pytest.fixture
def netdir(image_tag: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.delenv("FABRIC_BIN", raising=False)  # only the images' binaries may be used
    netdir = tmp_path / "net"
    generate(spec_on_free_ports(orderers=3), netdir)
    try:
        yield netdir
    finally:
        try:
            compose_run.down(netdir)
        finally:
            stop_servers(NetworkLayout(netdir), lambda _: None)


def _wait_docker_health(containers: list[str], timeout: float = 60.0) -> dict[str, str]:
    """Each container's health as docker reports it, polled until all are ``healthy`` or ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        run = subprocess.run(["docker", "inspect", "--format", "{{.Name}} {{.State.Health.Status}}", *containers],
                             capture_output=True, text=True, check=True, timeout=30)  # fmt: skip
        health = dict(line.split() for line in run.stdout.splitlines())
        if all(status == "healthy" for status in health.values()) or time.monotonic() > deadline:
            return health
        time.sleep(1.0)




@pytest.mark.timeout(900)
def test_compose_up_deploy_transact_down_up_reset(
    image_tag: str, netdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layout = NetworkLayout(netdir)
    project = network_project(layout)
    up = ["up", "--netdir", str(netdir), "--backend", "compose", "--image-tag", image_tag, "--timeout", "120"]
    assert main(up) == 0
    assert compose_run.runs_in_compose(netdir) and compose_run.recorded_tag(netdir) == image_tag
    assert len(_project_containers(project)) == 6
    user = subprocess.run(["docker", "inspect", "--format", "{{.Config.User}}", _project_containers(project)[0]],
                          capture_output=True, text=True, check=True, timeout=30).stdout.strip()  # fmt: skip
    assert user == folder_owner(netdir.resolve())  # ledgers stay the operator's files
    health = _wait_docker_health(_project_containers(project))  # the compose healthcheck probes /healthz
    assert set(health.values()) == {"healthy"}, health
    capsys.readouterr()
    assert main(["status", "--netdir", str(netdir)]) == 0, capsys.readouterr()  # every node healthy
    statuses = {s.host: s for s in compose_run.status(netdir)}
    assert statuses["peer0.org1.example.com"].channels[CHANNEL]["height"] >= 1

    code = main(["deploy", "--netdir", str(netdir), "--name", CHAINCODE])  # peer CLI inside a container
    assert code == 0, capsys.readouterr().err
    created = json.loads(asset_contract(layout, "Org1MSP").submit_transaction("RegisterClass", fungible_class("BOND")))
    assert created["issuerOrg"] == "Org1MSP"
    seen = json.loads(asset_contract(layout, "Org2MSP").evaluate_transaction("GetClass", "BOND"))
    assert (seen["id"], seen["supply"]) == ("BOND", "0")

    code = main(["add-org", "--netdir", str(netdir), "--name", NEW_ORG["name"], "--domain", NEW_ORG["domain"],
                 "--channel", CHANNEL, "--timeout", "120"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert len(_project_containers(project)) == 7
    assert main(["deploy", "--netdir", str(netdir), "--name", CHAINCODE]) == 0, capsys.readouterr().err
    grown = NetworkLayout(netdir)
    assert json.loads(asset_contract(grown, "Org4MSP").submit_transaction("WhoAmI"))["msp"] == "Org4MSP"

    assert main(["down", "--netdir", str(netdir)]) == 0
    assert _project_containers(project) == []
    assert main(["up", "--netdir", str(netdir)]) == 0  # recorded back end and image tag; ledgers kept
    assert json.loads(asset_contract(grown, "Org4MSP").evaluate_transaction("GetClass", "BOND"))["id"] == "BOND"
    assert main(["down", "--netdir", str(netdir)]) == 0
    assert main(["reset", "--netdir", str(netdir)]) == 0
    assert not (netdir / "data").exists()  # the containers' files were deletable: written as the owner
    assert layout.genesis_block(CHANNEL).is_file()
