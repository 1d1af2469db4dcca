"""Start ``python -m gateway serve`` as a real process on 127.0.0.1 and wait until it answers."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_gateway(config: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """Logs go to ``<config>.log``: a pipe nobody drains would block the server once it is full."""
    port = free_port()
    log_path = config.with_suffix(".log")
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gateway", "serve", "--config", str(config), "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    for _ in range(400):
        if proc.poll() is not None:
            raise AssertionError(f"gateway exited: {log_path.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                return proc, base
        except httpx.TransportError:
            time.sleep(0.05)
    proc.kill()
    raise AssertionError("gateway did not start")
