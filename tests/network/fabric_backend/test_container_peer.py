"""The ``peer`` CLI inside a container: ``docker exec`` argv carrying only the variables the CLI reads."""

from __future__ import annotations

from pathlib import Path

from network.fabric.peer_cli import ContainerPeer, peer_argv


def test_host_binary_argv_is_the_binary_and_its_arguments() -> None:
    assert peer_argv(Path("/opt/fabric/bin/peer"), ["channel", "list"], {"CORE_PEER_ADDRESS": "x"}) == [
        "/opt/fabric/bin/peer",
        "channel",
        "list",
    ]


def test_container_argv_passes_core_and_fabric_variables_only() -> None:
    env = {"CORE_PEER_ADDRESS": "127.0.0.1:7051", "FABRIC_CFG_PATH": "/n/cfg", "HOME": "/root", "PATH": "/bin"}
    argv = peer_argv(ContainerPeer("proj-peer0.org1.example.com", "/usr/bin/docker"), ["channel", "list"], env)
    assert argv == [
        "/usr/bin/docker", "exec",
        "--env", "CORE_PEER_ADDRESS=127.0.0.1:7051", "--env", "FABRIC_CFG_PATH=/n/cfg",
        "proj-peer0.org1.example.com", "peer", "channel", "list",
    ]  # fmt: skip
