"""Run ``python -m gateway serve`` detached, find it again by its pid file, stop it.

``serve --pid-file FILE`` makes the server itself write ``{"pid": ..., "argv": [...]}`` once it is set up
and remove the file when it exits cleanly. A pid file counts as a running gateway only when that pid is
alive and its ``/proc/<pid>/cmdline`` is the recorded argv, so a file left by a crash (or a pid reused by
another program) is recognised as stale and never signalled. The format is the devnet's
(``network/devnet/node/processes.py``), so operators' tools read both.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


class DaemonError(RuntimeError):
    """The gateway process could not be started or did not come up."""


@dataclass(frozen=True)
class GatewayDaemon:
    """How to run one detached gateway and where its files are."""

    config: Path
    port: int
    pid_file: Path
    log_file: Path
    host: str = "127.0.0.1"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def argv(self) -> list[str]:
        return [sys.executable, "-m", "gateway", "serve", "--config", str(self.config), "--host", self.host,
                "--port", str(self.port), "--pid-file", str(self.pid_file)]


def own_argv() -> list[str]:
    """This process's command line as the kernel reports it, which is what :func:`running_pid` compares."""
    try:
        raw = Path("/proc/self/cmdline").read_bytes()
        return [part.decode(errors="replace") for part in raw.split(b"\x00") if part]
    except OSError:
        return [sys.executable, *sys.argv]


def write_pid_file(path: Path) -> None:
    """Record this process atomically (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"pid": os.getpid(), "argv": own_argv()}))
    os.replace(tmp, path)


def remove_own_pid_file(path: Path) -> None:
    """Remove the pid file at exit, unless a newer server has replaced it meanwhile."""
    record = read_pid_file(path)
    if record is not None and record[0] == os.getpid():
        path.unlink(missing_ok=True)


def read_pid_file(path: Path) -> tuple[int, list[str]] | None:
    try:
        data = json.loads(path.read_text())
        return int(data["pid"]), [str(a) for a in data["argv"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _alive_with_argv(pid: int, argv: list[str]) -> bool:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    cmdline = [part.decode(errors="replace") for part in raw.split(b"\x00") if part]
    return state != "Z" and cmdline == argv


def running_pid(pid_file: Path) -> int | None:
    """The pid of the live gateway recorded in ``pid_file``, or None when the file is missing or stale."""
    record = read_pid_file(pid_file)
    if record is None or not _alive_with_argv(*record):
        return None
    return record[0]


def _reap(pid: int) -> None:
    """Collect the exit status when the gateway is our child, so it does not linger as a zombie."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def start(daemon: GatewayDaemon, env: Mapping[str, str] | None = None, timeout: float = 60.0) -> int:
    """Spawn the gateway in its own session (it outlives the caller), logging to ``log_file``; returns once
    the server has written its pid file. A stale pid file is replaced; a running gateway is an error."""
    if running_pid(daemon.pid_file) is not None:
        raise DaemonError(f"pid_file: {daemon.pid_file} belongs to a running gateway; stop it first")
    daemon.pid_file.unlink(missing_ok=True)
    daemon.log_file.parent.mkdir(parents=True, exist_ok=True)
    with daemon.log_file.open("ab") as log:
        child = subprocess.Popen(daemon.argv(), stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                 env=dict(env) if env is not None else None, start_new_session=True,
                                 close_fds=True)
    deadline = time.monotonic() + timeout
    while running_pid(daemon.pid_file) != child.pid:
        if child.poll() is not None:
            raise DaemonError(f"gateway exited during start-up ({child.returncode}); log {daemon.log_file}:\n"
                              f"{log_tail(daemon)}")
        if time.monotonic() > deadline:
            raise DaemonError(f"gateway wrote no pid file within {timeout:.0f}s (log {daemon.log_file})")
        time.sleep(0.05)
    return child.pid


def log_tail(daemon: GatewayDaemon, chars: int = 1500) -> str:
    try:
        return daemon.log_file.read_text(errors="replace")[-chars:]
    except OSError:
        return "(no log)"


def stop(pid_file: Path, timeout: float = 10.0) -> bool:
    """SIGTERM (uvicorn shuts down cleanly), SIGKILL after ``timeout``; the pid file is gone afterwards.
    True if a running gateway was stopped."""
    pid = running_pid(pid_file)
    if pid is not None:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
            deadline = time.monotonic() + timeout
            while running_pid(pid_file) == pid and time.monotonic() < deadline:
                _reap(pid)
                time.sleep(0.05)
            if running_pid(pid_file) != pid:
                break
    pid_file.unlink(missing_ok=True)
    return pid is not None
