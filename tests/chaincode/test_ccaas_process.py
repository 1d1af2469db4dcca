"""``python -m chaincode`` as a separate process: env configuration, JSON logs, serving a peer stream."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cc_helpers import fungible
from ccaas_peer import FakePeer
from fabric_protos.peer import chaincode_shim_pb2 as shim

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_ID = "assetregistry_1.0:" + "cd" * 32


def start(env_extra: dict[str, str]) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHAINCODE_", "CORE_"))}
    env.update(env_extra)
    return subprocess.Popen([sys.executable, "-m", "chaincode"], cwd=ROOT, env=env, stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, text=True)


def wait_for_port(proc: subprocess.Popen[str]) -> tuple[int, str]:
    assert proc.stderr is not None
    deadline = time.monotonic() + 60
    seen = ""
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        seen += line
        match = re.search(r"port=(\d+)", line)
        if match:
            return int(match.group(1)), line
    raise AssertionError(f"server did not report its port; stderr: {seen}")


@pytest.mark.integration
def test_module_serves_a_peer_stream_and_logs_json(people) -> None:
    proc = start({"CHAINCODE_ID": PACKAGE_ID, "CHAINCODE_SERVER_ADDRESS": "127.0.0.1:0"})
    try:
        port, line = wait_for_port(proc)
        assert json.loads(line)["logger"] == "chaincode.server"

        async def scenario() -> tuple[str, shim.ChaincodeMessage]:
            peer = FakePeer()
            await asyncio.wait_for(peer.connect(port), 30)
            try:
                done = await asyncio.wait_for(peer.invoke(people.issuer1, ["RegisterClass", fungible("P")]), 30)
                return peer.registered_as, done
            finally:
                await peer.close()

        registered, done = asyncio.run(scenario())
        assert registered == PACKAGE_ID
        assert done.chaincode_event.event_name == "ClassRegistered"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert proc.returncode == 0


@pytest.mark.integration
def test_module_refuses_to_start_without_chaincode_id() -> None:
    proc = start({"CHAINCODE_SERVER_ADDRESS": "127.0.0.1:0"})
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert "CHAINCODE_ID" in err
