"""``gateway.service.daemon`` and ``serve --pid-file``: a detached gateway found again by its pid file and
stopped; stale pid files are never signalled."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import httpx
import pytest
from svc_process import dead_peer_config, free_port, wallet_env

from gateway.service import daemon
from gateway.service.daemon import DaemonError, GatewayDaemon


def _healthz(url: str) -> int:
    try:
        return httpx.get(f"{url}/healthz", timeout=5).status_code
    except httpx.TransportError:
        return 0


@pytest.mark.integration
def test_started_gateway_is_found_by_its_pid_file_and_stopped(tmp_path: Path) -> None:
    env = wallet_env()
    gw = GatewayDaemon(dead_peer_config(tmp_path, env), free_port(), tmp_path / "gw.pid", tmp_path / "gw.log")
    pid = daemon.start(gw, env)
    try:
        assert daemon.running_pid(gw.pid_file) == pid
        assert json.loads(gw.pid_file.read_text())["argv"][-2:] == ["--pid-file", str(gw.pid_file)]
        for _ in range(200):
            if _healthz(gw.base_url) == 200:
                break
            time.sleep(0.05)
        assert _healthz(gw.base_url) == 200
        with pytest.raises(DaemonError, match="pid_file: .* running gateway"):
            daemon.start(gw, env)
    finally:
        stopped = daemon.stop(gw.pid_file)
    assert stopped
    assert daemon.running_pid(gw.pid_file) is None and not gw.pid_file.exists()
    assert _healthz(gw.base_url) == 0
    assert daemon.stop(gw.pid_file) is False


def test_a_pid_file_of_another_program_is_stale_and_not_signalled(tmp_path: Path) -> None:
    pid_file = tmp_path / "gw.pid"
    # this very test process is alive, but its command line is not the recorded one
    pid_file.write_text(json.dumps({"pid": os.getpid(), "argv": [sys.executable, "-m", "gateway", "serve"]}))
    assert daemon.running_pid(pid_file) is None
    assert daemon.stop(pid_file) is False
    assert not pid_file.exists()


def test_a_server_writing_its_own_pid_file_is_running(tmp_path: Path) -> None:
    pid_file = tmp_path / "run" / "gw.pid"
    daemon.write_pid_file(pid_file)
    assert daemon.running_pid(pid_file) == os.getpid()
    daemon.remove_own_pid_file(pid_file)
    assert not pid_file.exists()


def test_an_unreadable_pid_file_is_not_running(tmp_path: Path) -> None:
    pid_file = tmp_path / "gw.pid"
    pid_file.write_text("not json")
    assert daemon.running_pid(pid_file) is None
