"""The generated docker compose file: one service per node on the official images, parsed back and checked."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from network.fabric.compose import (
    compose_command,
    container_name,
    folder_owner,
    network_project,
    project_name,
    validate_with_docker,
    write_compose,
)
from network.fabric.compose_run import recorded_tag
from network.fabric.nodes import config_dir
from network.fabric.peer_config import BUILDER_DIR
from network.layout import NetworkLayout


@pytest.fixture(scope="module")
def compose_file(fabric_layout: NetworkLayout, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_compose(fabric_layout.root, tmp_path_factory.mktemp("compose") / "compose.yaml", image_tag="3.1.5")


def test_one_service_per_node_on_official_images(fabric_layout: NetworkLayout, compose_file: Path) -> None:
    doc = yaml.safe_load(compose_file.read_text())
    spec = fabric_layout.spec
    orderers = [f"{n.name}.{o.domain}" for o, n in spec.orderer_nodes()]
    peers = [f"{p.name}.{o.domain}" for o, p in spec.peers()]
    assert list(doc["services"]) == orderers + peers
    assert doc["name"] == network_project(fabric_layout)
    root = str(fabric_layout.root.resolve())
    for host in orderers:
        service = doc["services"][host]
        assert service["image"] == "hyperledger/fabric-orderer:3.1.5"
        assert service["command"] == ["orderer"]
    for host in peers:
        service = doc["services"][host]
        assert service["image"] == "hyperledger/fabric-peer:3.1.5"
        assert service["command"] == ["peer", "node", "start"]
        assert service["depends_on"] == orderers
        assert f"{BUILDER_DIR}:{BUILDER_DIR}:ro" in service["volumes"]
    for host, service in doc["services"].items():
        assert service["network_mode"] == "host"  # loopback addresses of the genesis block stay valid
        assert service["container_name"] == container_name(doc["name"], host)
        assert service["user"] == folder_owner(fabric_layout.root.resolve())
        assert service["healthcheck"]["test"][:2] == ["CMD", "bash"]
        assert f"{root}:{root}" in service["volumes"]
        cfg = Path(service["environment"]["FABRIC_CFG_PATH"])
        assert cfg == config_dir(fabric_layout.root.resolve(), host)
        assert (cfg / ("orderer.yaml" if "orderer" in service["image"] else "core.yaml")).is_file()


def test_project_name_is_a_valid_compose_name() -> None:
    assert project_name("Asset Net!") == "asset-net"
    assert project_name("___") == "consortium"


def test_two_folders_of_one_spec_are_two_projects(fabric_layout: NetworkLayout, tmp_path: Path) -> None:
    """Same spec name, different folders: one ``up`` must not recreate the other's containers."""
    copy = tmp_path / "copy"
    shutil.copytree(fabric_layout.root, copy, ignore=shutil.ignore_patterns("fabric", "*.yaml.tmp"))
    other = NetworkLayout(copy)
    assert other.spec.name == fabric_layout.spec.name
    assert network_project(other) != network_project(fabric_layout)
    assert network_project(other).startswith(project_name(other.spec.name) + "-")


def test_healthcheck_names_the_operations_port(compose_file: Path, fabric_layout: NetworkLayout) -> None:
    doc = yaml.safe_load(compose_file.read_text())
    for org, peer in fabric_layout.spec.peers():
        probe = doc["services"][f"{peer.name}.{org.domain}"]["healthcheck"]["test"][-1]
        assert f"/dev/tcp/127.0.0.1/{peer.operations_port}" in probe and "/healthz" in probe


def test_the_image_tag_is_read_back_from_the_file(fabric_layout: NetworkLayout, tmp_path: Path) -> None:
    copy = tmp_path / "net"
    shutil.copytree(fabric_layout.root, copy)
    assert recorded_tag(copy) is None
    write_compose(copy, image_tag="2.5.16")
    assert recorded_tag(copy) == "2.5.16"


def test_docker_compose_accepts_the_file(compose_file: Path) -> None:
    if compose_command() is None:
        pytest.skip("no Docker Compose CLI (`docker compose` plugin or `docker-compose`) to validate with")
    assert validate_with_docker(compose_file) == "ok"
