"""A docker compose file running the same network on the official ``hyperledger/fabric-*`` images.

Design: every container uses host networking, so the loopback addresses and ports written into the genesis
block (consenters, orderer endpoints, anchor peers) and into the TLS certificates' SANs stay valid unchanged.
The network folder and our CCaaS builder are bind-mounted at their host paths, so the very same generated
``core.yaml``/``orderer.yaml`` serve both the native and the container run. Chaincode servers still run on
the host (the peers dial them on loopback). Channel joins and chaincode deployment use the ``peer`` CLI of a
running peer container (``network.fabric.compose_run``), so the host needs no Fabric binaries.

Decisions:

- one compose project per network *folder* (spec name plus a digest of the folder's path), container names
  prefixed with it: two folders of the same spec (parallel test runs) must not recreate each other's nodes;
- containers run as the owner of the network folder (uid:gid), not as the images' root: the nodes write
  ledgers into the bind-mounted folder, and root-owned files there would make ``reset`` fail for the operator;
- a health check per node on its operations ``/healthz`` through ``bash``'s ``/dev/tcp`` (the images ship
  bash and grep, but no curl), so ``docker compose ps`` shows health.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path
from typing import Any

import yaml

from network.fabric import nodes as fabric_nodes
from network.fabric.docker_cli import compose_command
from network.fabric.peer_config import BUILDER_DIR
from network.fabric.release import parse_line, release_line
from network.layout import NetworkLayout

PEER_IMAGE = "hyperledger/fabric-peer"
ORDERER_IMAGE = "hyperledger/fabric-orderer"
COMPOSE_FILE = "docker-compose.yaml"
DEFAULT_TAG = "3.1"

__all__ = ["compose_command", "compose_document", "validate_with_docker", "write_compose"]


def project_name(name: str) -> str:
    """Compose project names allow lowercase letters, digits, ``-`` and ``_`` and must start alphanumeric."""
    cleaned = re.sub(r"[^a-z0-9_-]", "-", name.lower()).strip("-_")
    return cleaned or "consortium"


def network_project(layout: NetworkLayout) -> str:
    """The network's compose project: its spec name plus 8 hex digits of sha256(absolute folder path)."""
    digest = hashlib.sha256(str(layout.root.resolve()).encode()).hexdigest()[:8]
    return project_name(f"{layout.spec.name}-{digest}")


def container_name(project: str, host: str) -> str:
    return f"{project}-{host}"


def images(image_tag: str) -> tuple[str, str]:
    """(orderer image, peer image) at ``image_tag``."""
    return f"{ORDERER_IMAGE}:{image_tag}", f"{PEER_IMAGE}:{image_tag}"


def folder_owner(path: Path) -> str:
    """``uid:gid`` owning ``path``: the user the containers run as (see the module docstring)."""
    info = path.stat()
    return f"{info.st_uid}:{info.st_gid}"


def healthcheck(operations_port: int) -> dict[str, Any]:
    probe = (f"exec 3<>/dev/tcp/127.0.0.1/{operations_port} && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3"
             " && head -n 1 <&3 | grep -q ' 200 '")  # fmt: skip
    return {"test": ["CMD", "bash", "-c", probe], "interval": "5s", "timeout": "3s", "retries": 3}


def _service(image: str, command: list[str], node: fabric_nodes.FabricNode, mounts: list[str], project: str,
             user: str) -> dict[str, Any]:  # fmt: skip
    return {
        "image": image,
        "container_name": container_name(project, node.host),
        "network_mode": "host",
        "user": user,
        "command": command,
        "working_dir": str(node.config_dir),
        "environment": {"FABRIC_CFG_PATH": str(node.config_dir), "FABRIC_LOGGING_SPEC": fabric_nodes.LOG_SPEC},
        "volumes": mounts,
        "healthcheck": healthcheck(node.process.operations_port),
        "restart": "unless-stopped",
    }


def compose_document(layout: NetworkLayout, image_tag: str = DEFAULT_TAG) -> dict[str, Any]:
    """The compose document; node configs must exist (see :func:`write_compose`)."""
    root_path = layout.root.resolve()
    root = str(root_path)
    project = network_project(layout)
    user = folder_owner(root_path)
    orderer_image, peer_image = images(image_tag)
    netdir_mount = f"{root}:{root}"
    builder_mount = f"{BUILDER_DIR}:{BUILDER_DIR}:ro"
    services: dict[str, Any] = {}
    orderers = fabric_nodes.orderer_nodes(layout, Path("orderer"))
    for node in orderers:
        services[node.host] = _service(orderer_image, ["orderer"], node, [netdir_mount], project, user)
    for node in fabric_nodes.peer_nodes(layout, Path("peer")):
        service = _service(peer_image, ["peer", "node", "start"], node, [netdir_mount, builder_mount], project, user)
        service["depends_on"] = [o.host for o in orderers]
        services[node.host] = service
    return {"name": project, "services": services}


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


def release_of_tag(image_tag: str) -> tuple[int, int]:
    """The Fabric release line the images are (``3.1.5`` -> (3, 1)); a tag such as ``latest`` says nothing,
    so ``CONSORTIUM_FABRIC_VERSION`` or the default line applies."""
    return parse_line(image_tag) or release_line(None)


def write_compose(netdir: Path, out: Path | None = None, image_tag: str = DEFAULT_TAG, validate: bool = False) -> Path:
    """Write every node config and the compose file (default ``<netdir>/docker-compose.yaml``)."""
    layout = NetworkLayout(Path(netdir).resolve())
    line = release_of_tag(image_tag)
    for node in [*fabric_nodes.orderer_nodes(layout, Path("orderer")), *fabric_nodes.peer_nodes(layout, Path("peer"))]:
        fabric_nodes.write_node_config(layout, node, line)
    path = Path(out) if out is not None else layout.root / COMPOSE_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(yaml.safe_dump(compose_document(layout, image_tag), sort_keys=False))
    tmp.replace(path)
    if validate and validate_with_docker(path) is None:
        raise RuntimeError("--validate: no Docker Compose CLI (`docker compose` plugin or `docker-compose`) on PATH")
    return path
