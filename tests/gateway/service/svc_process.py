"""Start ``python -m gateway serve`` as a real process on 127.0.0.1 and wait until it answers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import yaml
from svc_support import PASSWORD, import_identity_args, write_msp


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


def wallet_env() -> dict[str, str]:
    """The current environment with the wallet KEK given as the test password."""
    env = {**os.environ, "GATEWAY_WALLET_PASSWORD": PASSWORD}
    env.pop("GATEWAY_WALLET_KEY_FILE", None)
    return env


def dead_peer_config(folder: Path, env: dict[str, str]) -> Path:
    """A gateway config for Org1 whose wallet holds ``alice`` (imported with the real CLI) and whose peer
    address has nothing listening: the service starts and is live, but never ready."""
    write_msp(folder / "msp", "alice")
    wallet = folder / "wallet.json"
    subprocess.run(
        [sys.executable, "-m", "gateway", *import_identity_args(wallet, "alice", folder / "msp")],
        check=True,
        env=env,
        capture_output=True,
    )
    peer = {"address": f"127.0.0.1:{free_port()}"}
    config = {
        "orgs": {"Org1": {"msp_id": "Org1MSP", "channel": "mychannel", "chaincode": "assets", "peer": peer}},
        "store_url": f"sqlite:///{folder / 'store.db'}",
        "wallet": str(wallet),
        "api_keys": str(folder / "keys.json"),
    }
    path = folder / "gw.yaml"
    path.write_text(yaml.safe_dump(config))
    return path
