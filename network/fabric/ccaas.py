"""Chaincode-as-a-service: packages holding ``connection.json``, and the chaincode servers we supervise."""

from __future__ import annotations

from collections.abc import Callable

from network.devnet.node import paths, processes
from network.devnet.node.processes import NodeProcess
from network.layout import NetworkLayout

Progress = Callable[[str], None]
SERVER_PREFIX = "chaincode-"


def server_process(layout: NetworkLayout, name: str, argv: tuple[str, ...] = (), port: int = 0) -> NodeProcess:
    host = f"{SERVER_PREFIX}{name}"
    return NodeProcess("chaincode", host, "", argv, port, 0, paths.pid_file(layout.root, host),
                       paths.log_file(layout.root, host))  # fmt: skip


def stop_servers(layout: NetworkLayout, progress: Progress) -> None:
    run = paths.run_dir(layout.root)
    for pid_file in sorted(run.glob(f"{SERVER_PREFIX}*.pid")) if run.is_dir() else []:
        record = processes.read_pid_file(pid_file)
        name = pid_file.stem[len(SERVER_PREFIX) :]
        process = server_process(layout, name, tuple(record[1]) if record else ())
        progress(f"{process.host}: {'stopped' if processes.stop(process) else 'not running'}")
