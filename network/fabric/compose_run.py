"""``consortium up/down/status/reset --backend compose``: the network on the ``hyperledger/fabric-*`` images.

Same sequence as the native back end (:mod:`network.fabric.supervisor`), with containers instead of host
processes: write every node config and the compose file (:mod:`network.fabric.compose`), ``docker compose up``
the orderers, join them to their channels through the participation API, wait for raft to be ``active``,
``docker compose up`` the peers and join each with the ``peer`` CLI *inside* its own container (the network
folder is mounted at its host path, the containers share the host network), then restart recorded chaincode
servers on the host. Nothing is pulled: missing images are named and ``up`` stops before starting anything.
``down`` is ``docker compose down`` (ledgers stay in ``<netdir>/data``); ``reset`` also deletes them.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from network.devnet.node import paths
from network.devnet.node.supervisor import NodeStatus
from network.fabric import ccaas, supervisor
from network.fabric import nodes as fabric_nodes
from network.fabric.compose import (
    COMPOSE_FILE,
    DEFAULT_TAG,
    container_name,
    images,
    network_project,
    release_of_tag,
    write_compose,
)
from network.fabric.docker_cli import (
    DockerUnavailable,
    compose_command,
    container_state,
    docker_binary,
    docker_problem,
    log_tail,
    missing_images,
)
from network.fabric.nodes import FabricNode
from network.fabric.peer_cli import ContainerPeer
from network.layout import NetworkLayout

Progress = Callable[[str], None]
BACKEND = "compose"
COMPOSE_TIMEOUT = 300.0


def _quiet(_: str) -> None:
    pass


def compose_path(netdir: Path) -> Path:
    return Path(netdir) / COMPOSE_FILE


def runs_in_compose(netdir: Path) -> bool:
    """Whether the network folder was last brought up by this back end."""
    return supervisor.recorded_backend(Path(netdir)) == BACKEND


def recorded_tag(netdir: Path) -> str | None:
    """The image tag of the compose file already written for the network, if any (kept across ``up``s)."""
    path = compose_path(netdir)
    if not path.is_file():
        return None
    services = (yaml.safe_load(path.read_text()) or {}).get("services") or {}
    image = next((str(s.get("image", "")) for s in services.values()), "")
    return image.rpartition(":")[2] or None


def container_nodes(layout: NetworkLayout) -> list[FabricNode]:
    """The nodes, with the argv their containers run (``orderer``; ``peer node start``)."""
    return [*fabric_nodes.orderer_nodes(layout, Path("orderer")), *fabric_nodes.peer_nodes(layout, Path("peer"))]


def container_of(layout: NetworkLayout, node: FabricNode) -> str:
    return container_name(network_project(layout), node.host)


def peer_in(layout: NetworkLayout, node: FabricNode) -> ContainerPeer:
    return ContainerPeer(container_of(layout, node), docker_binary() or "docker")


def admin_peer(layout: NetworkLayout) -> ContainerPeer:
    """The ``peer`` CLI of the first running peer container; admin commands target any peer by address."""
    for node in fabric_nodes.peer_nodes(layout, Path("peer")):
        state = container_state(container_of(layout, node))
        if state is not None and state.get("Running"):
            return peer_in(layout, node)
    raise RuntimeError(f"no peer container of {layout.root} is running; run `consortium up --backend compose`")


def run_compose(layout: NetworkLayout, args: list[str], timeout: float = COMPOSE_TIMEOUT) -> str:
    """``docker compose -f <netdir>/docker-compose.yaml -p <project> ARGS``; raises with its output on failure."""
    command = compose_command()
    if command is None:
        raise DockerUnavailable("no Docker Compose CLI (`docker compose` plugin or `docker-compose`) on PATH")
    argv = [*command, "-f", str(compose_path(layout.root)), "-p", network_project(layout), *args]
    run = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    if run.returncode != 0:
        output = (run.stderr.strip() or run.stdout.strip())[-2000:]
        raise RuntimeError(f"docker compose {' '.join(args)} failed (exit {run.returncode}): {output}")
    return run.stdout + run.stderr


def container_failure(layout: NetworkLayout, node: FabricNode) -> str | None:
    """Why the node's container cannot become ready (gone, exited, or restarted after a crash), else None."""
    name = container_of(layout, node)
    state = container_state(name)
    if state is None:
        return f"{node.host}: container {name} does not exist"
    if not state.get("Running") or state.get("RestartCount", 0) > 0:
        how = f"exit code {state.get('ExitCode')}, restarts {state.get('RestartCount')}"
        return f"{node.host}: container {name} stopped ({how}); last log lines:\n{log_tail(name)}"
    return None


def wait_ready(layout: NetworkLayout, group: list[FabricNode], timeout: float, progress: Progress) -> None:
    """Until every node is ready as the native back end defines it (``supervisor.is_ready``: ``/healthz`` and
    the gRPC port); fails fast, with the container's log tail, if a container stops or restarts."""
    deadline = time.monotonic() + timeout
    waiting = list(group)
    while waiting:
        for node in list(waiting):
            if supervisor.is_ready(node):
                progress(f"  {node.host}: ready")
                waiting.remove(node)
            elif (failure := container_failure(layout, node)) is not None:
                raise RuntimeError(failure)
        if waiting and time.monotonic() > deadline:
            names = ", ".join(n.host for n in waiting)
            raise RuntimeError(f"not ready after {timeout:.0f}s: {names} (see `docker logs <container>`)")
        if waiting:
            time.sleep(0.3)


def require_docker(image_tag: str) -> None:
    """Docker usable and both images present locally, else :class:`DockerUnavailable` naming what is missing."""
    problem = docker_problem()
    if problem is not None:
        raise DockerUnavailable(f"docker compose back end: {problem}")
    missing = missing_images(images(image_tag))
    if missing:
        raise DockerUnavailable(f"images not present locally (nothing is pulled): {', '.join(missing)}; "
                                f"`docker pull` them or choose another tag")  # fmt: skip


def up(
    netdir: Path,
    spec_path: Path | None = None,
    timeout: float = 120.0,
    progress: Progress = _quiet,
    image_tag: str | None = None,
) -> list[FabricNode]:
    """Bring the network up in containers; safe to run again on a running network (compose keeps them)."""
    layout = supervisor.ensure_generated(Path(netdir).resolve(), spec_path, progress)
    tag = image_tag or recorded_tag(layout.root) or DEFAULT_TAG
    require_docker(tag)
    line = release_of_tag(tag)
    supervisor.record_backend(layout.root, BACKEND)
    write_compose(layout.root, image_tag=tag)
    nodes = container_nodes(layout)
    orderers = [n for n in nodes if n.kind == "orderer"]
    peers = [n for n in nodes if n.kind == "peer"]
    run_compose(layout, ["up", "--detach", "--remove-orphans", *(n.host for n in orderers)])
    progress(f"orderer containers up ({', '.join(images(tag)[:1])})")
    wait_ready(layout, orderers, timeout, progress)
    supervisor.join_orderers(layout, orderers, timeout, progress, line)
    supervisor.wait_channels_active(layout, orderers, timeout)
    run_compose(layout, ["up", "--detach", *(n.host for n in peers)])
    progress(f"peer containers up ({images(tag)[1]})")
    wait_ready(layout, peers, timeout, progress)
    for node in peers:
        supervisor.join_peers(layout, [node], peer_in(layout, node), progress, line)
    ccaas.restart_recorded_servers(layout, progress)
    return nodes


def down(netdir: Path, progress: Progress = _quiet) -> None:
    """Stop the chaincode servers and remove the containers (``docker compose down``); ledgers are kept."""
    layout = NetworkLayout(Path(netdir).resolve())
    if not layout.resolved_spec_path().is_file():
        progress(f"no network in {netdir}: nothing to stop")
        return
    ccaas.stop_servers(layout, progress)
    if not compose_path(layout.root).is_file():
        progress(f"no {COMPOSE_FILE} in {netdir}: no containers to remove")
        return
    run_compose(layout, ["down", "--remove-orphans", "--timeout", "20"])
    progress(f"containers of project {network_project(layout)} removed")


def reset(netdir: Path, progress: Progress = _quiet) -> None:
    """``down`` and delete the ledgers (written as the folder's owner, see ``compose``); crypto is kept."""
    down(netdir, progress)
    layout = NetworkLayout(Path(netdir).resolve())
    ccaas.registry_path(layout).unlink(missing_ok=True)
    data = paths.data_root(layout.root)
    if data.exists():
        shutil.rmtree(data)
        progress(f"removed {data} (ledgers); crypto material and configs kept")


def status(netdir: Path) -> list[NodeStatus]:
    """Devnet's :class:`NodeStatus` per node; ``pid`` is the container's main process as the host sees it."""
    layout = NetworkLayout(Path(netdir).resolve())
    result = []
    for node in container_nodes(layout):
        state = container_state(container_of(layout, node)) or {}
        pid = int(state.get("Pid") or 0) or None if state.get("Running") else None
        healthy = pid is not None and supervisor.is_healthy(node.process)
        channels = supervisor.node_channels(layout, node, peer_in(layout, node)) if healthy else {}
        result.append(NodeStatus(node.host, node.kind, node.org, pid, healthy, channels))
    return result
