"""Operator CLI: add-api-key, import-identity, rotate-wallet-key, and serve (a real process)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from svc_process import dead_peer_config, free_port, wallet_env
from svc_support import PASSWORD, import_identity_args, write_msp

from gateway.auth.apikeys import load_key_file
from gateway.cli import main
from gateway.wallet.kek import key_file_source, new_key_file, password_source
from gateway.wallet.wallet import Wallet


def test_add_api_key_prints_it_once_and_stores_a_digest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    keys = tmp_path / "keys.json"
    assert (
        main(
            [
                "add-api-key",
                "--keys-file",
                str(keys),
                "--org",
                "Org1",
                "--identity",
                "alice",
                "--role",
                "read",
                "--role",
                "submit",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["api_key"] not in keys.read_text()
    principal = load_key_file(keys).authenticate(out["api_key"])
    assert principal.org == "Org1" and principal.identities == frozenset({"alice"})


def test_import_then_rotate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_WALLET_PASSWORD", PASSWORD)
    monkeypatch.delenv("GATEWAY_WALLET_KEY_FILE", raising=False)
    wallet = tmp_path / "wallet.json"
    key, _ = write_msp(tmp_path / "msp", "alice")
    assert main(import_identity_args(wallet, "alice", tmp_path / "msp")) == 0
    assert Wallet.open(wallet, password_source(PASSWORD)).labels() == ["alice"]
    new_key = tmp_path / "kek"
    new_key_file(new_key)
    assert main(["rotate-wallet-key", "--wallet", str(wallet), "--new-key-file", str(new_key)]) == 0
    rotated = Wallet.open(wallet, key_file_source(new_key))
    assert rotated.entry("alice").identity.msp_id == "Org1MSP"


def test_errors_are_reported_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("GATEWAY_WALLET_PASSWORD", raising=False)
    monkeypatch.delenv("GATEWAY_WALLET_KEY_FILE", raising=False)
    code = main(["rotate-wallet-key", "--wallet", str(tmp_path / "w.json"), "--new-password-env", "NOPE"])
    assert code == 2 and "GATEWAY_WALLET_KEY_FILE" in capsys.readouterr().err


@pytest.mark.integration
def test_serve_starts_a_gateway_process(tmp_path: Path) -> None:
    env = wallet_env()
    config = dead_peer_config(tmp_path, env)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gateway", "serve", "--config", str(config), "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        else:
            raise AssertionError("gateway did not start")
        ready = httpx.get(f"{base}/readyz", timeout=10)
        assert ready.status_code == 503 and ready.headers["content-type"] == "application/problem+json"
        assert httpx.post(f"{base}/v1/orgs/Org1/evaluate", json={"function": "X"}).status_code == 401
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    lines = [json.loads(line) for line in out.decode().splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("msg") == "request"]
    assert access and all("request_id" in line for line in access)
