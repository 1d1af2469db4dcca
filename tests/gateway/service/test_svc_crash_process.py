"""kill -9 of a real gateway process between storing and sending an envelope, and just after sending.

The Fabric side is the gateway client's in-process Gateway double (it verifies every signature); the
gateway under test is ``python -m gateway serve`` with a SQLite store, killed by SIGKILL at a failpoint and
restarted. The caller retries with its Idempotency-Key and must get the outcome of the one transaction
endorsed before the crash: no second proposal, only the stored envelope re-sent.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import httpx
import pytest
import yaml
from svc_gateway_double import FakeGateway, serving_gateway
from svc_process import start_gateway
from svc_support import PASSWORD, import_identity_args, write_msp

from gateway.cli import main


def _setup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], peer_port: int
) -> tuple[Path, str, dict[str, str]]:
    monkeypatch.setenv("GATEWAY_WALLET_PASSWORD", PASSWORD)
    monkeypatch.delenv("GATEWAY_WALLET_KEY_FILE", raising=False)
    write_msp(tmp_path / "msp", "app")
    assert main(import_identity_args(tmp_path / "wallet.json", "org1-app", tmp_path / "msp")) == 0
    capsys.readouterr()
    assert (
        main(
            [
                "add-api-key",
                "--keys-file",
                str(tmp_path / "keys.json"),
                "--org",
                "Org1",
                "--identity",
                "org1-app",
                "--role",
                "submit",
                "--role",
                "read",
            ]
        )
        == 0
    )
    api_key = json.loads(capsys.readouterr().out)["api_key"]
    config = {
        "orgs": {
            "Org1": {
                "msp_id": "Org1MSP",
                "channel": "mychannel",
                "chaincode": "assets",
                "peer": {"address": f"127.0.0.1:{peer_port}"},
            }
        },
        "store_url": f"sqlite:///{tmp_path / 'store.db'}",
        "wallet": str(tmp_path / "wallet.json"),
        "api_keys": str(tmp_path / "keys.json"),
        "commit_timeout": 5,
    }
    (tmp_path / "gw.yaml").write_text(yaml.safe_dump(config))
    env = {k: v for k, v in os.environ.items() if k != "GATEWAY_FAILPOINT"}
    return tmp_path / "gw.yaml", api_key, env


def _requests(gateway: FakeGateway, kind: str) -> list[object]:
    return [r for r in gateway.requests if r.__class__.__name__ == kind]


@pytest.mark.integration
@pytest.mark.parametrize("failpoint", ["after-store", "after-submit"])
def test_kill_9_then_restart_settles_the_same_transaction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], failpoint: str
) -> None:
    with serving_gateway("Org1MSP") as (fabric, peer_port):
        config, api_key, env = _setup(tmp_path, monkeypatch, capsys, peer_port)
        request = {
            "json": {"function": "Transfer", "args": ["c1", "Org1MSP/a", "Org1MSP/b", "5"]},
            "headers": {"X-API-Key": api_key, "Idempotency-Key": "order-1"},
        }

        proc, base = start_gateway(config, {**env, "GATEWAY_FAILPOINT": failpoint})
        with pytest.raises(httpx.TransportError):
            httpx.post(f"{base}/v1/orgs/Org1/submit", timeout=30, **request)
        assert proc.wait(timeout=30) == -signal.SIGKILL
        assert len(_requests(fabric, "EndorseRequest")) == 1
        assert len(_requests(fabric, "SubmitRequest")) == (1 if failpoint == "after-submit" else 0)

        proc, base = start_gateway(config, env)
        try:
            for _ in range(400):
                answer = httpx.post(f"{base}/v1/orgs/Org1/submit", timeout=30, **request)
                if answer.status_code != 409:  # 409 = still being recovered
                    break
                time.sleep(0.05)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["validation_code"] == "VALID"
        endorsements = _requests(fabric, "EndorseRequest")
        submits = _requests(fabric, "SubmitRequest")
        assert len(endorsements) == 1  # never a second proposal
        assert {s.transaction_id for s in submits} == {body["txid"]}  # type: ignore[attr-defined]
        assert len({s.prepared_transaction.SerializeToString() for s in submits}) == 1  # type: ignore[attr-defined]
        assert len(submits) == (2 if failpoint == "after-submit" else 1)


@pytest.mark.integration
def test_a_clean_stop_leaves_every_final_answer_on_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Final answers are queued, not awaited (``store/batch_writer.py``): SIGTERM must still write them all."""
    import sqlite3

    with serving_gateway("Org1MSP") as (_fabric, peer_port):
        config, api_key, env = _setup(tmp_path, monkeypatch, capsys, peer_port)
        proc, base = start_gateway(config, env)
        try:
            answers = [httpx.post(f"{base}/v1/orgs/Org1/submit", timeout=30, headers={"X-API-Key": api_key},
                                  json={"function": "Transfer", "args": ["c1", "Org1MSP/a", "Org1MSP/b", str(i)]})
                       for i in range(5)]
        finally:
            proc.terminate()
            assert proc.wait(timeout=30) in (0, -signal.SIGTERM)  # uvicorn re-raises the signal once stopped
    assert [a.status_code for a in answers] == [200] * 5, answers[-1].text
    db = sqlite3.connect(str(tmp_path / "store.db"))
    states = db.execute("SELECT state, http_status FROM operations").fetchall()
    db.close()
    assert states == [("COMMITTED", 200)] * 5
