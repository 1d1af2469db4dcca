"""The Docker command line as the docker compose back end uses it: is it usable, which images are present,
what state a container is in. Every probe names the command that failed and what it printed."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Sequence
from typing import Any

PROBE_TIMEOUT = 30.0


class DockerUnavailable(RuntimeError):
    """Docker (daemon, compose plugin or an image) is missing; the message says which and how it failed."""


def docker_binary() -> str | None:
    return shutil.which("docker")


def compose_command() -> list[str] | None:
    """``docker compose`` (CLI plugin) or the standalone ``docker-compose``; None when neither works."""
    docker = docker_binary()
    if docker is not None:
        probe = subprocess.run([docker, "compose", "version"], capture_output=True, text=True,
                               timeout=PROBE_TIMEOUT, check=False)  # fmt: skip
        if probe.returncode == 0:
            return [docker, "compose"]
    standalone = shutil.which("docker-compose")
    return [standalone] if standalone else None


def docker_problem() -> str | None:
    """Why containers cannot be run here (no CLI, daemon not answering, no compose), or None if they can."""
    docker = docker_binary()
    if docker is None:
        return "no `docker` CLI on PATH"
    try:
        info = subprocess.run([docker, "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True,
                              timeout=PROBE_TIMEOUT, check=False)  # fmt: skip
    except subprocess.TimeoutExpired:
        return f"`docker info` did not answer within {PROBE_TIMEOUT:.0f}s"
    if info.returncode != 0:
        return f"`docker info` failed: {(info.stderr or info.stdout).strip()[-500:]}"
    if compose_command() is None:
        return "no Docker Compose CLI (`docker compose` plugin or `docker-compose`)"
    return None


def _docker(args: Sequence[str]) -> subprocess.CompletedProcess[str] | None:
    """``docker ARGS`` with its output captured; None when there is no docker CLI at all."""
    docker = docker_binary()
    if docker is None:
        return None
    return subprocess.run([docker, *args], capture_output=True, text=True, timeout=PROBE_TIMEOUT, check=False)


def missing_images(refs: Sequence[str]) -> list[str]:
    """Those of ``refs`` that are not in the local image store (nothing is pulled)."""
    missing = []
    for ref in refs:
        run = _docker(["image", "inspect", ref])
        if run is None or run.returncode != 0:
            missing.append(ref)
    return missing


def container_state(name: str) -> dict[str, Any] | None:
    """``docker inspect``'s ``State`` (``Running``, ``ExitCode``, ``Pid``, ...) plus ``RestartCount``; None when
    there is no such container."""
    run = _docker(["inspect", "--format", "{{json .State}}|{{.RestartCount}}", name])
    if run is None or run.returncode != 0:
        return None
    state, _, restarts = run.stdout.strip().rpartition("|")
    result: dict[str, Any] = json.loads(state)
    result["RestartCount"] = int(restarts or 0)
    return result


def log_tail(name: str, lines: int = 20) -> str:
    run = _docker(["logs", "--tail", str(lines), name])
    return "(no docker CLI)" if run is None else (run.stdout + run.stderr).strip() or "(no log)"
