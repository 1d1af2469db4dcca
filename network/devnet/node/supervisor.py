"""``consortium up/down/status/reset``: one detached process per node of a generated network.

- ``up`` generates the network first if the directory holds none, starts every node that is not already
  running (orderers first, then peers), and waits until each answers ``GET /healthz`` with 200. Running it
  twice is harmless; a stale pid file is replaced.
- ``down`` stops the chaincode servers ``consortium deploy`` started, then every node (SIGTERM, then SIGKILL),
  and removes the pid files.
- ``status`` reports pid, health and per-channel ledger heights (and committed chaincodes on peers), and the
  chaincode servers with their pid and whether they accept connections.
- ``reset`` is ``down`` plus deleting ``<netdir>/data`` (ledgers, block files, WALs); crypto material,
  channel artifacts and logs stay.
"""

from __future__ import annotations

import json
import shutil
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from network.devnet.node import paths, processes
from network.devnet.node.processes import NodeProcess
from network.layout import NetworkLayout
from network.spec.models import MemberOrgSpec, OrdererNodeSpec, OrdererOrgSpec, PeerSpec, host

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def network_nodes(layout: NetworkLayout) -> list[NodeProcess]:
    """Every node of the network, orderers first (peers pull blocks from them)."""
    orderers = [
        _node_process(layout, "orderer", org, node, ("network.devnet.orderer", "--name", node.name))
        for org, node in layout.spec.orderer_nodes()
    ]
    peers = [
        _node_process(layout, "peer", org, peer, ("network.devnet.peer", "--org", org.msp_id, "--peer", peer.name))
        for org, peer in layout.spec.peers()
    ]
    return [*orderers, *peers]


def _node_process(
    layout: NetworkLayout,
    kind: str,
    org: OrdererOrgSpec | MemberOrgSpec,
    node: OrdererNodeSpec | PeerSpec,
    command: tuple[str, ...],
) -> NodeProcess:
    """How to run one node: ``python -m <module> --netdir <netdir> <args>``, with its pid and log files."""
    module, *args = command
    name = host(node, org)
    argv = processes.python_argv(module, "--netdir", str(layout.root.resolve()), *args)
    return NodeProcess(
        kind,
        name,
        org.msp_id,
        argv,
        node.port or 0,
        node.operations_port or 0,
        paths.pid_file(layout.root, name),
        paths.log_file(layout.root, name),
    )


CHAINCODE_HOST_PREFIX = "chaincode-"


def chaincode_host(name: str) -> str:
    """The host name under which a chaincode server's pid, env and log files live (``run/chaincode-<name>.pid``)."""
    return f"{CHAINCODE_HOST_PREFIX}{name}"


def chaincode_env_file(pid_file: Path) -> Path:
    """Where ``consortium deploy`` records the package ID and address a chaincode server was started with."""
    return pid_file.with_suffix(".env.json")


def chaincode_record_file(pid_file: Path) -> Path:
    """What ``consortium deploy`` started (name, module, package ID, address), kept across ``down`` so that
    ``up`` brings the chaincode servers back with the nodes, as the chaincode stays committed on the ledger."""
    return pid_file.with_suffix(".server.json")


def chaincode_record_files(netdir: Path) -> list[Path]:
    return sorted(paths.run_dir(netdir).glob(f"{CHAINCODE_HOST_PREFIX}*.server.json"))


def restart_chaincode_servers(layout: NetworkLayout, progress: Progress = _quiet) -> None:
    """Start again every chaincode server recorded by a deploy that is not running now."""
    from network.devnet import deploy  # deploy imports this module

    for record_file in chaincode_record_files(layout.root):
        record = json.loads(record_file.read_text())
        deploy.start_server(layout, record["name"], record["module"], record["CHAINCODE_ID"],
                            record["CHAINCODE_SERVER_ADDRESS"], progress)


def chaincode_servers(netdir: Path) -> list[NodeProcess]:
    """The chaincode servers ``consortium deploy`` started, found by their pid files.

    The chaincode's module is not part of the network spec, so the argv comes from the pid file itself; an
    unreadable pid file gives an empty argv, which :func:`processes.running_pid` treats as not running.
    """
    servers = []
    for pid_file in sorted(paths.run_dir(netdir).glob(f"{CHAINCODE_HOST_PREFIX}*.pid")):
        record = processes.read_pid_file(pid_file)
        argv = tuple(record[1]) if record is not None else ()
        host_name = pid_file.stem
        port = _chaincode_port(chaincode_env_file(pid_file))
        servers.append(
            NodeProcess("chaincode", host_name, "", argv, port, 0, pid_file, paths.log_file(netdir, host_name))
        )
    return servers


def _chaincode_port(env_file: Path) -> int:
    try:
        address = json.loads(env_file.read_text())["CHAINCODE_SERVER_ADDRESS"]
        return int(str(address).rsplit(":", 1)[1])
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return 0


def accepts_connections(port: int) -> bool:
    if not port:
        return False
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def stop_chaincode_servers(netdir: Path, progress: Progress = _quiet) -> None:
    """Stop every chaincode server and drop its env file, so a later deploy starts it afresh."""
    for server in chaincode_servers(netdir):
        if processes.stop(server):
            progress(f"{server.host}: stopped")
        else:
            progress(f"{server.host}: not running")
        chaincode_env_file(server.pid_file).unlink(missing_ok=True)


def http_json(port: int, path: str, timeout: float = 2.0) -> tuple[int, Any]:
    """GET ``http://127.0.0.1:<port><path>``; (0, None) when nothing answers."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, json.loads(exc.read() or b"null")
        except ValueError:
            return exc.code, None
    except (OSError, ValueError):
        return 0, None


def is_healthy(node: NodeProcess) -> bool:
    return http_json(node.operations_port, "/healthz")[0] == 200


def _log_tail(node: NodeProcess, lines: int = 15) -> str:
    try:
        return "\n".join(node.log_file.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def wait_healthy(nodes: list[NodeProcess], timeout: float, progress: Progress) -> None:
    deadline = time.monotonic() + timeout
    waiting = list(nodes)
    while waiting:
        for node in list(waiting):
            if is_healthy(node):
                progress(f"  {node.host}: healthy")
                waiting.remove(node)
            elif not processes.recorded_pid_alive(node):
                processes.reap(node)
                raise RuntimeError(f"{node.host} exited during start-up; last log lines:\n{_log_tail(node)}")
        if waiting and time.monotonic() > deadline:
            names = ", ".join(n.host for n in waiting)
            raise RuntimeError(f"not healthy after {timeout:.0f}s: {names} (logs in {waiting[0].log_file.parent})")
        if waiting:
            time.sleep(0.2)


def ensure_generated(netdir: Path, spec_path: Path | None, progress: Progress) -> NetworkLayout:
    layout = NetworkLayout(netdir)
    if not layout.resolved_spec_path().is_file():
        from network.crypto.bootstrap import generate
        from network.spec.load import load_spec

        progress(f"no network in {netdir}: generating it")
        generate(load_spec(spec_path), netdir, progress=progress)
    return NetworkLayout(netdir)


def up(
    netdir: Path, spec_path: Path | None = None, timeout: float = 60.0, progress: Progress = _quiet
) -> list[NodeProcess]:
    layout = ensure_generated(Path(netdir), spec_path, progress)
    nodes = network_nodes(layout)
    started = []
    for node in nodes:
        pid = processes.running_pid(node)
        if pid is not None:
            progress(f"{node.host}: already running (pid {pid})")
            continue
        if node.pid_file.exists():
            progress(f"{node.host}: removing stale pid file")
            node.pid_file.unlink()
        pid = processes.start(node)
        progress(f"{node.host}: started (pid {pid}, log {node.log_file})")
        started.append(node)
    progress("waiting for nodes to become healthy")
    wait_healthy(nodes, timeout, progress)
    restart_chaincode_servers(layout, progress)
    return nodes


def down(netdir: Path, progress: Progress = _quiet) -> None:
    layout = NetworkLayout(Path(netdir))
    if not layout.resolved_spec_path().is_file():
        progress(f"no network in {netdir}: nothing to stop")
        return
    stop_chaincode_servers(Path(netdir), progress)
    for node in reversed(network_nodes(layout)):
        if processes.stop(node):
            progress(f"{node.host}: stopped")
        else:
            progress(f"{node.host}: not running")


def reset(netdir: Path, progress: Progress = _quiet) -> None:
    down(netdir, progress)
    for record_file in chaincode_record_files(Path(netdir)):
        record_file.unlink()  # the wiped ledgers no longer hold the chaincode definitions
    data = paths.data_root(Path(netdir))
    if data.exists():
        shutil.rmtree(data)
        progress(f"removed {data} (ledgers and block files); crypto material kept")


@dataclass
class NodeStatus:
    host: str
    kind: str
    mspid: str
    pid: int | None
    healthy: bool
    channels: dict[str, Any] = field(default_factory=dict)


def status(netdir: Path) -> list[NodeStatus]:
    layout = NetworkLayout(Path(netdir))
    result = []
    for node in network_nodes(layout):
        pid = processes.running_pid(node)
        code, body = http_json(node.operations_port, "/devnet/status") if pid else (0, None)
        channels = body.get("channels", {}) if code == 200 and isinstance(body, dict) else {}
        result.append(NodeStatus(node.host, node.kind, node.mspid, pid, bool(pid) and is_healthy(node), channels))
    for server in chaincode_servers(Path(netdir)):
        pid = processes.running_pid(server)
        result.append(NodeStatus(server.host, server.kind, "", pid, bool(pid) and accepts_connections(server.port)))
    return result
