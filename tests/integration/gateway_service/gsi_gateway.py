"""The REST gateway as an operator runs it: wallet and API keys made with ``python -m gateway`` (real
subprocesses), a YAML configuration per ``gateway/service/README.md``, and ``python -m gateway serve`` on
127.0.0.1 as a real process that tests may SIGKILL.

Only the processes and files made here are touched; every process is stopped by its own handle.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

WALLET_PASSWORD = "integration-wallet-password"  # >= 12 characters (gateway/wallet/kek.py)
ROLES = ("read", "submit", "events")


def cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GATEWAY_FAILPOINT", "GATEWAY_WALLET_KEY_FILE")}
    env["GATEWAY_WALLET_PASSWORD"] = WALLET_PASSWORD
    return env


def run_cli(*args: str) -> dict[str, Any]:
    """``python -m gateway <args>``; its last stdout line is JSON."""
    done = subprocess.run(
        [sys.executable, "-m", "gateway", *args], env=cli_env(), capture_output=True, text=True, timeout=120
    )
    if done.returncode != 0:
        raise AssertionError(f"python -m gateway {args[0]} failed ({done.returncode}): {done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def import_identity(wallet: Path, label: str, org: str, msp_id: str, msp_dir: Path) -> None:
    run_cli(
        "import-identity", "--wallet", str(wallet), "--label", label, "--org", org,
        "--msp-id", msp_id, "--msp-dir", str(msp_dir),
    )  # fmt: skip


def add_api_key(keys: Path, org: str, identities: list[str], roles: tuple[str, ...] = ROLES) -> str:
    args = ["add-api-key", "--keys-file", str(keys), "--org", org, "--rate", "2000", "--burst", "5000"]
    for label in identities:
        args += ["--identity", label]
    for role in roles:
        args += ["--role", role]
    return str(run_cli(*args)["api_key"])


@dataclass(frozen=True)
class OrgPeer:
    org: str  # the gateway's org name (path segment)
    msp_id: str
    address: str
    tls_ca: Path
    server_name: str


def write_config(
    path: Path,
    peers: list[OrgPeer],
    channel: str,
    chaincode: str,
    store_url: str,
    wallet: Path,
    keys: Path,
    **extra: Any,
) -> Path:
    config: dict[str, Any] = {
        "orgs": {
            p.org: {
                "msp_id": p.msp_id,
                "channel": channel,
                "chaincode": chaincode,
                "peer": {"address": p.address, "tls_ca": str(p.tls_ca), "server_name": p.server_name},
            }
            for p in peers
        },
        "store_url": store_url,
        "wallet": str(wallet),
        "api_keys": str(keys),
        "commit_timeout": 30,
        "recovery_interval": 2,
        **extra,
    }
    path.write_text(yaml.safe_dump(config))
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class GatewayProcess:
    config: Path
    proc: subprocess.Popen[bytes]
    base: str
    log: Path
    extra_env: dict[str, str] = field(default_factory=dict)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=20)

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


def start_gateway(
    config: Path, failpoint: str | None = None, timeout: float = 60.0, wait_for: str = "/readyz"
) -> GatewayProcess:
    """Start ``python -m gateway serve`` and wait until ``wait_for`` answers 200 (/readyz: every served org's
    peer reachable; /healthz: the process serves HTTP)."""
    env = cli_env()
    if failpoint:
        env["GATEWAY_FAILPOINT"] = failpoint
    port = free_port()
    log = config.with_suffix(f".{port}.log")
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gateway", "serve", "--config", str(config), "--host", "127.0.0.1",
             "--port", str(port)],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    gw = GatewayProcess(config, proc, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"gateway exited with {proc.returncode}: {gw.log_tail()}")
        try:
            if httpx.get(f"{gw.base}{wait_for}", timeout=5).status_code == 200:
                return gw
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    gw.stop()
    raise AssertionError(f"gateway not ready within {timeout}s: {gw.log_tail()}")


def poll_operation(client: httpx.Client, location: str, headers: dict[str, str], timeout: float = 60) -> dict[str, Any]:
    """Poll ``GET operations/{id}`` until the operation is COMMITTED or FAILED."""
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        answer = client.get(location, headers=headers)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        if body["status"] in ("COMMITTED", "FAILED"):
            return body
        time.sleep(0.1)
    raise AssertionError(f"operation not final within {timeout}s: {body}")
