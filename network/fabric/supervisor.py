"""``consortium up/down/status/reset --backend fabric``: official ``orderer`` and ``peer`` processes.

``up`` (idempotent, like devnet's): generate the network if needed (three raft orderers by default), write
every node's config, start the orderers, join each to its channels through the channel participation API,
start the peers and join each to its org's channels with the genesis block (anchor peers are already in the
genesis config). ``down`` stops every node; ``reset`` is ``down`` plus deleting ``<netdir>/data``;
``status`` reports pid, health (operations ``/healthz``) and per-channel heights from the orderers.
The back end in use is recorded in ``<netdir>/fabric/backend`` so that later commands default to it.
"""

from __future__ import annotations

import shutil
import socket
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from network.devnet.node import paths, processes
from network.devnet.node.supervisor import NodeStatus, is_healthy
from network.devnet.node.supervisor import wait_healthy as wait_healthz
from network.fabric import ccaas
from network.fabric import nodes as fabric_nodes
from network.fabric.binaries import find_binary, require_binaries
from network.fabric.default_spec import fabric_default_spec
from network.fabric.genesis import genesis_block_for
from network.fabric.nodes import FabricNode
from network.fabric.participation import ParticipationClient, ParticipationError
from network.fabric.peer_cli import (
    PeerBin,
    PeerCommandError,
    channel_height,
    committed_chaincodes,
    join_channel,
    joined_channels,
)
from network.fabric.release import is_v2, release_line
from network.layout import NetworkLayout

Progress = Callable[[str], None]
BACKEND_MARKER = "backend"


def _quiet(_: str) -> None:
    pass


def marker_path(netdir: Path) -> Path:
    return fabric_nodes.fabric_root(netdir) / BACKEND_MARKER


def recorded_backend(netdir: Path) -> str | None:
    """The back end that last brought the network up (``fabric``, ``compose``), None if never one of ours."""
    path = marker_path(Path(netdir))
    return (path.read_text().strip() or None) if path.is_file() else None


def record_backend(netdir: Path, backend: str) -> None:
    marker = marker_path(Path(netdir))
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(f"{backend}\n")


def uses_fabric(netdir: Path) -> bool:
    """Whether the network directory was last brought up on official binaries."""
    return recorded_backend(netdir) == "fabric"


def ensure_generated(netdir: Path, spec_path: Path | None, progress: Progress) -> NetworkLayout:
    layout = NetworkLayout(netdir)
    if not layout.resolved_spec_path().is_file():
        from network.crypto.bootstrap import generate
        from network.spec.load import load_spec

        spec = load_spec(spec_path) if spec_path is not None else fabric_default_spec()
        progress(f"no network in {netdir}: generating it ({len(spec.orderer_nodes())} raft orderers)")
        generate(spec, netdir, progress=progress)
    return NetworkLayout(netdir)


def all_nodes(layout: NetworkLayout, binaries: dict[str, Path]) -> list[FabricNode]:
    return [
        *fabric_nodes.orderer_nodes(layout, binaries["orderer"]),
        *fabric_nodes.peer_nodes(layout, binaries["peer"]),
    ]


def start_nodes(group: list[FabricNode], progress: Progress) -> None:
    for node in group:
        pid = processes.running_pid(node.process)
        if pid is not None:
            progress(f"{node.host}: already running (pid {pid})")
            continue
        node.process.pid_file.unlink(missing_ok=True)
        pid = fabric_nodes.start(node)
        progress(f"{node.host}: started (pid {pid}, log {node.process.log_file})")


def listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1.0)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def is_ready(node: FabricNode) -> bool:
    """``/healthz`` is served before the node's gRPC listener (``internal/peer/node/start.go`` starts the
    operations system first), so readiness also needs the gRPC port to accept connections."""
    return is_healthy(node.process) and listening(node.process.port)


def wait_healthy(group: list[FabricNode], timeout: float, progress: Progress) -> None:
    """Until every node is ready (:func:`is_ready`): devnet's ``/healthz`` wait (which fails fast, with the log
    tail, if a node exits during start-up), then each node's gRPC port, within the same ``timeout``."""
    deadline = time.monotonic() + timeout
    wait_healthz([node.process for node in group], timeout, progress)
    for node in group:
        while not listening(node.process.port):
            if time.monotonic() > deadline:
                logs = node.process.log_file.parent
                raise RuntimeError(f"not ready after {timeout:.0f}s: {node.host} (gRPC port {node.process.port} "
                                   f"not accepting connections; logs in {logs})")  # fmt: skip
            time.sleep(0.3)


def wait_admin_ready(client: ParticipationClient, host: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not client.ready():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{host}: channel participation API not answering after {timeout:.0f}s")
        time.sleep(0.3)


def ordered_channels(layout: NetworkLayout, orderer: FabricNode) -> list[str]:
    """The channels an orderer serves: those whose orderer orgs include its org."""
    return [c.name for c in layout.spec.channels if orderer.org in (c.orderer_orgs or [])]


def join_orderers(
    layout: NetworkLayout, orderers: list[FabricNode], timeout: float, progress: Progress, line: tuple[int, int]
) -> None:
    """Every orderer joins every channel whose orderer orgs include its org (participation API)."""
    for node in orderers:
        with ParticipationClient.for_orderer(layout, node.name) as client:
            wait_admin_ready(client, node.host, timeout)
            joined = set(client.list_channels())
            for channel in ordered_channels(layout, node):
                if channel not in joined:
                    info = client.join(genesis_block_for(layout, channel, line).read_bytes())
                    progress(f"{node.host}: joined {channel} as {info.get('consensusRelation')}")


def wait_channels_active(layout: NetworkLayout, orderers: list[FabricNode], timeout: float) -> None:
    """Until each orderer reports every channel of its org ``active`` (raft has a leader)."""
    deadline = time.monotonic() + timeout
    for node in orderers:
        with ParticipationClient.for_orderer(layout, node.name) as client:
            for channel in ordered_channels(layout, node):
                while (info := client.channel_info(channel)) is None or info.get("status") != "active":
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{node.host}: channel {channel} not active: {info}")
                    time.sleep(0.3)


def join_peers(
    layout: NetworkLayout, peers: list[FabricNode], peer_bin: PeerBin, progress: Progress, line: tuple[int, int]
) -> None:
    """Each peer joins the channels its org is a member of, with the channel's genesis block."""
    for node in peers:
        joined = set(joined_channels(peer_bin, layout, node.org, node.name))
        for channel in layout.spec.channels:
            if node.org not in channel.orgs or channel.name in joined:
                continue
            join_channel(peer_bin, layout, node.org, node.name, genesis_block_for(layout, channel.name, line))
            progress(f"{node.host}: joined {channel.name}")


def up(
    netdir: Path, spec_path: Path | None = None, timeout: float = 120.0, progress: Progress = _quiet
) -> list[FabricNode]:
    """Bring the whole network up on official binaries; safe to run again on a running network."""
    binaries = require_binaries(("orderer", "peer"))
    layout = ensure_generated(Path(netdir), spec_path, progress)
    record_backend(layout.root, "fabric")
    line = release_line(binaries["peer"])
    if is_v2(line):
        progress(f"Fabric v{line[0]}.{line[1]}: nodes join with the V2_0-capability variant of each genesis block")
    nodes = all_nodes(layout, binaries)
    for node in nodes:
        fabric_nodes.write_node_config(layout, node, line)
    orderers = [n for n in nodes if n.kind == "orderer"]
    peers = [n for n in nodes if n.kind == "peer"]
    start_nodes(orderers, progress)
    wait_healthy(orderers, timeout, progress)
    join_orderers(layout, orderers, timeout, progress, line)
    wait_channels_active(layout, orderers, timeout)
    start_nodes(peers, progress)
    wait_healthy(peers, timeout, progress)
    join_peers(layout, peers, binaries["peer"], progress, line)
    ccaas.restart_recorded_servers(layout, progress)
    return nodes


def _known_nodes(layout: NetworkLayout) -> list[FabricNode]:
    """Nodes as recorded, even when the binaries have since vanished from PATH (``down`` must still work)."""
    orderer = find_binary("orderer") or Path("orderer")
    peer = find_binary("peer") or Path("peer")
    return all_nodes(layout, {"orderer": orderer, "peer": peer})


def as_recorded(node: FabricNode) -> FabricNode:
    """The node with the argv of its pid file: the binary that was started, not today's PATH lookup."""
    record = processes.read_pid_file(node.process.pid_file)
    if record is None:
        return node
    return FabricNode(replace(node.process, argv=tuple(record[1])), node.config_dir, node.org, node.name)


def _stop(node: FabricNode) -> bool:
    return processes.stop(as_recorded(node).process)


def down(netdir: Path, progress: Progress = _quiet) -> None:
    layout = NetworkLayout(Path(netdir))
    if not layout.resolved_spec_path().is_file():
        progress(f"no network in {netdir}: nothing to stop")
        return
    ccaas.stop_servers(layout, progress)
    for node in reversed(_known_nodes(layout)):
        progress(f"{node.host}: {'stopped' if _stop(node) else 'not running'}")


def reset(netdir: Path, progress: Progress = _quiet) -> None:
    """``down`` and delete the ledgers; installed chaincodes live there, so their servers are forgotten too."""
    down(netdir, progress)
    ccaas.registry_path(NetworkLayout(Path(netdir))).unlink(missing_ok=True)
    data = paths.data_root(Path(netdir))
    if data.exists():
        shutil.rmtree(data)
        progress(f"removed {data} (ledgers); crypto material and configs kept")


def orderer_channels(layout: NetworkLayout, node: FabricNode) -> dict[str, Any]:
    try:
        with ParticipationClient.for_orderer(layout, node.name) as client:
            result = {}
            for name in client.list_channels():
                info = client.channel_info(name) or {}
                result[name] = {"height": info.get("height"), "status": info.get("status"),
                                "relation": info.get("consensusRelation")}  # fmt: skip
            return result
    except (ParticipationError, OSError, ValueError):
        return {}


def peer_channels(layout: NetworkLayout, node: FabricNode, peer_bin: PeerBin) -> dict[str, Any]:
    """Height and committed chaincodes per joined channel, as devnet's status reports them."""
    result: dict[str, Any] = {}
    try:
        for channel in joined_channels(peer_bin, layout, node.org, node.name):
            result[channel] = {
                "height": channel_height(peer_bin, layout, node.org, node.name, channel),
                "chaincodes": committed_chaincodes(peer_bin, layout, node.org, node.name, channel),
            }
    except (PeerCommandError, OSError, ValueError, KeyError):
        return result
    return result


def node_channels(layout: NetworkLayout, node: FabricNode, peer_bin: PeerBin) -> dict[str, Any]:
    return orderer_channels(layout, node) if node.kind == "orderer" else peer_channels(layout, node, peer_bin)


def status(netdir: Path) -> list[NodeStatus]:
    """Devnet's :class:`NodeStatus` per node; orderers list channels with participation status and relation."""
    layout = NetworkLayout(Path(netdir))
    result = []
    for node in _known_nodes(layout):
        node = as_recorded(node)
        pid = processes.running_pid(node.process)
        healthy = bool(pid) and is_healthy(node.process)
        channels: dict[str, Any] = {}
        if healthy:
            channels = node_channels(layout, node, Path(node.process.argv[0]))
        result.append(NodeStatus(node.host, node.kind, node.org, pid, healthy, channels))
    return result
