"""The compose back end's refusals: no docker, missing images, nothing running. None of them may leave the
network folder half-switched (no backend marker, no compose file) -- checked without starting anything."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from network.fabric import compose_run
from network.fabric.compose import COMPOSE_FILE
from network.fabric.docker_cli import DockerUnavailable, container_state, docker_problem, missing_images
from network.fabric.supervisor import marker_path, recorded_backend
from network.layout import NetworkLayout


@pytest.fixture
def netdir(fabric_layout: NetworkLayout, tmp_path: Path) -> Path:
    copy = tmp_path / "net"
    shutil.copytree(fabric_layout.root, copy)
    return copy


@pytest.fixture
def no_docker(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


@pytest.mark.usefixtures("no_docker")
def test_without_a_docker_cli_every_probe_says_so() -> None:
    assert docker_problem() == "no `docker` CLI on PATH"
    assert missing_images(["hyperledger/fabric-peer:3.1"]) == ["hyperledger/fabric-peer:3.1"]
    assert container_state("anything") is None


@pytest.mark.usefixtures("no_docker")
def test_up_without_docker_names_the_problem_and_writes_nothing(netdir: Path) -> None:
    with pytest.raises(DockerUnavailable, match="no `docker` CLI on PATH"):
        compose_run.up(netdir, timeout=5)
    assert recorded_backend(netdir) is None and not marker_path(netdir).exists()
    assert not (netdir / COMPOSE_FILE).exists()


def test_up_with_absent_images_names_both_and_writes_nothing(netdir: Path) -> None:
    problem = docker_problem()
    if problem is not None:
        pytest.skip(f"docker not usable: {problem}")
    tag = "0.0.0-never-built"
    with pytest.raises(DockerUnavailable) as raised:
        compose_run.up(netdir, timeout=5, image_tag=tag)
    assert f"hyperledger/fabric-orderer:{tag}" in str(raised.value)
    assert f"hyperledger/fabric-peer:{tag}" in str(raised.value)
    assert recorded_backend(netdir) is None and not (netdir / COMPOSE_FILE).exists()


@pytest.mark.usefixtures("no_docker")
def test_admin_peer_needs_a_running_peer_container(netdir: Path) -> None:
    with pytest.raises(RuntimeError, match="no peer container"):
        compose_run.admin_peer(NetworkLayout(netdir))


def test_down_of_a_network_never_composed_removes_nothing(netdir: Path) -> None:
    said: list[str] = []
    compose_run.down(netdir, said.append)
    assert any(f"no {COMPOSE_FILE}" in line for line in said), said
