"""The official Node ``@hyperledger/fabric-gateway`` client, unchanged, against a devnet peer's Gateway:
submit (endorse + submit + commit status), evaluate, chaincode events, and an error with details."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from devnet.endorsement.test_deploy_integration import network
from network.devnet import deploy
from network.devnet.node import processes, supervisor
from network.layout import NetworkLayout

NODE_DIR = Path(__file__).parents[2] / "interop" / "node"


def run_plan(layout: NetworkLayout, tmp: Path, chaincode: str, steps: list[dict[str, object]]) -> list[dict]:
    org, peer = next(iter(layout.spec.peers()))
    msp = layout.user_msp_dir(org.msp_id, "User1")
    plan = {
        "peer": {"address": f"127.0.0.1:{peer.port}", "hostAlias": f"{peer.name}.{org.domain}",
                 "tlsRootCertPath": str(layout.tlsca_cert(org.msp_id))},
        "identity": {"mspId": org.msp_id, "certPath": str(next((msp / "signcerts").iterdir())),
                     "keyPath": str(next((msp / "keystore").iterdir()))},
        "channel": "dch", "chaincode": chaincode, "steps": steps,
    }
    plan_file = tmp / f"plan-{chaincode}.json"
    plan_file.write_text(json.dumps(plan))
    out = subprocess.run(["node", str(NODE_DIR / "client.js"), str(plan_file)], capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


@pytest.mark.integration
@pytest.mark.skipif(shutil.which("node") is None or not (NODE_DIR / "node_modules").is_dir(),
                    reason="node and tests/interop/node/node_modules are needed")
def test_official_node_gateway_client(tmp_path: Path) -> None:
    layout = network(tmp_path / "net")
    procs = [deploy.chaincode_process(layout, "tcc", "tests.devnet.endorsement.ccmain"),
             deploy.chaincode_process(layout, "evcc", "tests.devnet.endorsement.evmain")]
    try:
        supervisor.up(layout.root, timeout=90)
        deploy.deploy(layout, "tcc", module="tests.devnet.endorsement.ccmain")
        deploy.deploy(layout, "evcc", module="tests.devnet.endorsement.evmain")
        results = run_plan(layout, tmp_path, "tcc", [
            {"op": "submit", "fn": "put", "args": ["k", "v1"]},
            {"op": "evaluate", "fn": "get", "args": ["k"]},
            {"op": "submit", "fn": "fail", "args": ["no way"]},
        ])
        assert results[0]["ok"] and results[0]["code"] == 0 and results[0]["successful"], results[0]
        assert results[1] == {"op": "evaluate", "ok": True, "result": "v1"}
        assert not results[2]["ok"] and results[2]["error"] == "EndorseError", results[2]
        assert results[2]["details"][0]["message"] == "chaincode response 500, no way"
        results = run_plan(layout, tmp_path, "evcc", [
            {"op": "submit", "fn": "created", "args": ["p1"]},
        ])
        assert results[0]["ok"], results[0]
        start = int(results[0]["blockNumber"])
        results = run_plan(layout, tmp_path, "evcc", [{"op": "events", "startBlock": start, "count": 1}])
        assert results[0]["ok"], results[0]
        assert [(e["eventName"], e["payload"], e["blockNumber"]) for e in results[0]["events"]] == [
            ("created", "p1", str(start))]
    finally:
        for proc in procs:
            processes.stop(proc)
        supervisor.down(layout.root)
