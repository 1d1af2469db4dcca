"""The REST gateway (``python -m gateway serve``) as its operator would run it in front of a benchmark
devnet: a wallet holding Org1's User1, one API key with submit/read rights, a SQLite operation store, and
Org1's peer as the Fabric endpoint. Built with the gateway's own library calls, then started as a process.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml

from gateway.auth.apikeys import ApiKeyRegistry, load_key_file, new_api_key, save_key_file
from gateway.wallet.kek import key_file_source
from gateway.wallet.msp_import import import_msp_identity
from gateway.wallet.wallet import Wallet
from network.layout import NetworkLayout
from scripts.benchkit.client import org_peer

ORG, MSPID, LABEL = "Org1", "Org1MSP", "org1-bench"


@dataclass(frozen=True)
class RestGateway:
    base_url: str
    api_key: str
    pid: int
    log: Path

    def submit_url(self) -> str:
        return f"{self.base_url}/v1/orgs/{ORG}/submit?mode=sync"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_config(workdir: Path, layout: NetworkLayout, channel: str, chaincode: str) -> tuple[Path, str, Path]:
    """Wallet, API key file and config YAML in ``workdir``; -> (config, plaintext API key, KEK file)."""
    workdir.mkdir(parents=True, exist_ok=True)
    kek = workdir / "kek.key"
    kek.write_bytes(secrets.token_bytes(32))
    kek.chmod(0o600)
    wallet = Wallet.create(workdir / "wallet.json", key_file_source(kek))
    import_msp_identity(wallet, LABEL, ORG, layout.user_msp_dir(MSPID, "User1"), MSPID)
    keys_file = workdir / "api-keys.json"
    registry = load_key_file(keys_file) if keys_file.exists() else ApiKeyRegistry()
    # the rate limiter must not be what the benchmark measures
    plaintext, record = new_api_key(ORG, [LABEL], ["submit", "read"], rate_per_second=1e6, burst=1_000_000)
    registry.add(record)
    save_key_file(keys_file, registry)
    address, host = org_peer(layout, MSPID)
    config = {
        "orgs": {ORG: {"msp_id": MSPID, "channel": channel, "chaincode": chaincode,
                       "peer": {"address": address, "tls_ca": str(layout.tlsca_cert(MSPID)), "server_name": host}}},
        "store_url": f"sqlite:///{workdir / 'store.db'}",
        "wallet": str(workdir / "wallet.json"),
        "api_keys": str(keys_file),
        "commit_timeout": 60,
        "mvcc_retries": 0,
    }
    path = workdir / "gateway.yaml"
    path.write_text(yaml.safe_dump(config))
    return path, plaintext, kek


@contextmanager
def running_rest_gateway(workdir: Path, layout: NetworkLayout, channel: str, chaincode: str,
                         timeout: float = 60.0) -> Iterator[RestGateway]:
    """Start the REST gateway on a free loopback port, wait for ``/healthz``, stop it (by pid) afterwards."""
    config, api_key, kek = write_config(workdir, layout, channel, chaincode)
    port = _free_port()
    log = workdir / "gateway.log"
    env = dict(os.environ, GATEWAY_WALLET_KEY_FILE=str(kek))
    env.pop("GATEWAY_WALLET_PASSWORD", None)
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "gateway", "serve", "--config", str(config),
                                 "--host", "127.0.0.1", "--port", str(port)],
                                env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"REST gateway exited ({proc.returncode}): {log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"REST gateway not healthy after {timeout:.0f}s (log {log})")
            time.sleep(0.1)
        yield RestGateway(base, api_key, proc.pid, log)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
