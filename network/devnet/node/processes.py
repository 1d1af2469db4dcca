"""Starting, finding and stopping node processes by pid file.

A pid file holds JSON ``{"pid": ..., "argv": [...]}``. A process counts as running only when the pid is
alive *and* its ``/proc/<pid>/cmdline`` is the recorded argv, so a pid file left behind by a crash (and a
pid since reused by something else) is recognised as stale and never signalled.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from network.devnet.node.grpcenv import node_environment


@dataclass(frozen=True)
class NodeProcess:
    """How to run one node and where its files are."""

    kind: str  # "orderer" | "peer"
    host: str
    mspid: str
    argv: tuple[str, ...]
    port: int
    operations_port: int
    pid_file: Path
    log_file: Path


def _cmdline(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return [part.decode(errors="replace") for part in raw.split(b"\x00") if part]


def read_pid_file(path: Path) -> tuple[int, list[str]] | None:
    try:
        data = json.loads(path.read_text())
        return int(data["pid"]), [str(a) for a in data["argv"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def running_pid(node: NodeProcess) -> int | None:
    """The pid of the node's live process, or None (a stale or unreadable pid file counts as not running)."""
    record = read_pid_file(node.pid_file)
    if record is None:
        return None
    pid, argv = record
    cmdline = _cmdline(pid)
    if cmdline is None or cmdline[-len(argv) :] != argv[-len(argv) :] or _is_zombie(pid):
        return None
    return pid


def recorded_pid_alive(node: NodeProcess) -> bool:
    """Whether the pid in the pid file is a live process. Unlike :func:`running_pid` this does not check the
    command line, which right after ``start`` may still be the parent's (between fork and exec)."""
    record = read_pid_file(node.pid_file)
    return record is not None and not _is_zombie(record[0])


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def start(node: NodeProcess) -> int:
    """Spawn the node detached (own session), appending to its log file; write its pid file atomically."""
    node.log_file.parent.mkdir(parents=True, exist_ok=True)
    node.pid_file.parent.mkdir(parents=True, exist_ok=True)
    with node.log_file.open("ab") as log:
        process = subprocess.Popen(
            list(node.argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
            close_fds=True,
            env=node_environment(),
        )
    tmp = node.pid_file.with_suffix(".tmp")
    tmp.write_text(json.dumps({"pid": process.pid, "argv": list(node.argv)}))
    os.replace(tmp, node.pid_file)
    return process.pid


def python_argv(module: str, *args: str) -> tuple[str, ...]:
    return (sys.executable, "-m", module, *args)


def stop(node: NodeProcess, timeout: float = 10.0) -> bool:
    """SIGTERM, then SIGKILL after ``timeout``; removes the pid file. True if a process was stopped."""
    pid = running_pid(node)
    stopped = False
    if pid is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and running_pid(node) == pid:
            _reap(pid)
            time.sleep(0.05)
        if running_pid(node) == pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            while running_pid(node) == pid:
                _reap(pid)
                time.sleep(0.05)
        stopped = True
    node.pid_file.unlink(missing_ok=True)
    return stopped


def kill(node: NodeProcess) -> None:
    """SIGKILL without any chance to clean up (crash tests); the pid file stays behind, stale."""
    pid = running_pid(node)
    if pid is None:
        raise RuntimeError(f"{node.host} is not running")
    os.kill(pid, signal.SIGKILL)
    while running_pid(node) == pid:
        _reap(pid)
        time.sleep(0.02)


def reap(node: NodeProcess) -> None:
    record = read_pid_file(node.pid_file)
    if record is not None:
        _reap(record[0])


def _reap(pid: int) -> None:
    """Collect the exit status if the process is our child (tests), so it does not linger as a zombie."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)
