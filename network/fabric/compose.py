"""A docker compose file running the same network on the official ``hyperledger/fabric-*`` images.

Design: every container uses host networking, so the loopback addresses and ports written into the genesis
block (consenters, orderer endpoints, anchor peers) and into the TLS certificates' SANs stay valid unchanged.
The network folder and our CCaaS builder are bind-mounted at their host paths, so the very same generated
``core.yaml``/``orderer.yaml`` serve both the native and the container run. Chaincode servers still run on
the host (the peers dial them on loopback). Channel joins are done afterwards with the same commands as the
native back end (the participation API and ``peer channel join`` only need the ports).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from network.fabric import nodes as fabric_nodes
from network.fabric.peer_config import BUILDER_DIR
from network.fabric.release import DEFAULT_LINE, parse_line
from network.layout import NetworkLayout

PEER_IMAGE = "hyperledger/fabric-peer"
ORDERER_IMAGE = "hyperledger/fabric-orderer"
COMPOSE_FILE = "docker-compose.yaml"


def project_name(name: str) -> str:
    """Compose project names allow lowercase letters, digits, ``-`` and ``_`` and must start alphanumeric."""
    cleaned = re.sub(r"[^a-z0-9_-]", "-", name.lower()).strip("-_")
    return cleaned or "consortium"


def _service(image: str, command: list[str], node: fabric_nodes.FabricNode, mounts: list[str]) -> dict[str, Any]:
    return {
        "image": image,
        "container_name": node.host,
        "network_mode": "host",
        "command": command,
        "working_dir": str(node.config_dir),
        "environment": {"FABRIC_CFG_PATH": str(node.config_dir), "FABRIC_LOGGING_SPEC": fabric_nodes.LOG_SPEC},
        "volumes": mounts,
        "restart": "unless-stopped",
    }


def compose_document(layout: NetworkLayout, image_tag: str = "3.1") -> dict[str, Any]:
    """The compose document; node configs must exist (see :func:`write_compose`)."""
    root = str(layout.root.resolve())
    netdir_mount = f"{root}:{root}"
    builder_mount = f"{BUILDER_DIR}:{BUILDER_DIR}:ro"
    services: dict[str, Any] = {}
    orderers = fabric_nodes.orderer_nodes(layout, Path("orderer"))
    for node in orderers:
        services[node.host] = _service(f"{ORDERER_IMAGE}:{image_tag}", ["orderer"], node, [netdir_mount])
    for node in fabric_nodes.peer_nodes(layout, Path("peer")):
        service = _service(f"{PEER_IMAGE}:{image_tag}", ["peer", "node", "start"], node, [netdir_mount, builder_mount])
        service["depends_on"] = [o.host for o in orderers]
        services[node.host] = service
    return {"name": project_name(layout.spec.name), "services": services}


def compose_command() -> list[str] | None:
    """``docker compose`` (CLI plugin) or the standalone ``docker-compose``; None when neither works."""
    docker = shutil.which("docker")
    if docker is not None:
        probe = subprocess.run([docker, "compose", "version"], capture_output=True, text=True, timeout=30, check=False)
        if probe.returncode == 0:
            return [docker, "compose"]
    standalone = shutil.which("docker-compose")
    return [standalone] if standalone else None


def validate_with_docker(path: Path) -> str | None:
    """``docker compose config`` on the file; None when no Docker Compose CLI is installed."""
    command = compose_command()
    if command is None:
        return None
    run = subprocess.run([*command, "-f", str(path), "config", "--quiet"],
                         capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    if run.returncode != 0:
        raise RuntimeError(f"docker compose config rejected {path}: {run.stderr.strip() or run.stdout.strip()}")
    return "ok"


def write_compose(netdir: Path, out: Path | None = None, image_tag: str = "3.1", validate: bool = False) -> Path:
    """Write every node config and the compose file (default ``<netdir>/docker-compose.yaml``)."""
    layout = NetworkLayout(Path(netdir).resolve())
    line = parse_line(image_tag) or DEFAULT_LINE
    for node in [*fabric_nodes.orderer_nodes(layout, Path("orderer")), *fabric_nodes.peer_nodes(layout, Path("peer"))]:
        fabric_nodes.write_node_config(layout, node, line)
    path = Path(out) if out is not None else layout.root / COMPOSE_FILE
    path.write_text(yaml.safe_dump(compose_document(layout, image_tag), sort_keys=False))
    if validate and validate_with_docker(path) is None:
        raise RuntimeError("--validate: no Docker Compose CLI (`docker compose` plugin or `docker-compose`) on PATH")
    return path
