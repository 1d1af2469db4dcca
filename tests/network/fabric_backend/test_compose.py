"""The generated docker compose file: one service per node on the official images, parsed back and checked."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from network.fabric.compose import compose_command, project_name, validate_with_docker, write_compose
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
    assert doc["name"] == project_name(spec.name)
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
        assert f"{root}:{root}" in service["volumes"]
        cfg = Path(service["environment"]["FABRIC_CFG_PATH"])
        assert cfg == config_dir(fabric_layout.root.resolve(), host)
        assert (cfg / ("orderer.yaml" if "orderer" in service["image"] else "core.yaml")).is_file()


def test_project_name_is_a_valid_compose_name() -> None:
    assert project_name("Asset Net!") == "asset-net"
    assert project_name("___") == "consortium"


def test_docker_compose_accepts_the_file(compose_file: Path) -> None:
    if compose_command() is None:
        pytest.skip("no Docker Compose CLI (`docker compose` plugin or `docker-compose`) to validate with")
    assert validate_with_docker(compose_file) == "ok"
