"""Our artifacts read by official Fabric binaries. Skipped (with the reason) when the binaries are absent.

Set ``FABRIC_BIN`` to an unpacked official release (``bin/`` and ``config/``) or put the binaries on PATH.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fabric_protos.common import common_pb2

from network.crypto.bootstrap import generate
from network.layout import NetworkLayout
from network.spec import DEFAULT_SPEC_PATH, parse_spec

pytestmark = pytest.mark.fabric


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_configtxlator_decodes_our_block(
    generated: NetworkLayout, fabric_binary: Callable[[str], Path], tmp_path: Path
) -> None:
    configtxlator = fabric_binary("configtxlator")
    out = tmp_path / "block.json"
    run = subprocess.run(
        [str(configtxlator), "proto_decode", "--type", "common.Block",
         "--input", str(generated.genesis_block("assetchannel")), "--output", str(out)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    doc: dict[str, Any] = json.loads(out.read_text())
    payload = doc["data"]["data"][0]["payload"]
    assert payload["header"]["channel_header"]["channel_id"] == "assetchannel"
    groups = payload["data"]["config"]["channel_group"]["groups"]
    assert set(groups["Application"]["groups"]) == {"Org1", "Org2", "Org3"}
    msp = groups["Application"]["groups"]["Org1"]["values"]["MSP"]["value"]["config"]
    assert msp["name"] == "Org1MSP"
    assert groups["Orderer"]["values"]["ConsensusType"]["value"]["type"] == "etcdraft"


def _orderer_config_dir(orderer: Path) -> Path:
    candidates = [Path(os.environ["FABRIC_CFG_PATH"])] if "FABRIC_CFG_PATH" in os.environ else []
    candidates += [orderer.parent.parent / "config", orderer.parent / "config"]
    for folder in candidates:
        if (folder / "orderer.yaml").is_file():
            return folder
    pytest.skip("orderer.yaml not found (set FABRIC_CFG_PATH or use an official release with config/)")


@pytest.fixture
def orderer_network(tmp_path: Path) -> NetworkLayout:
    data = yaml.safe_load(DEFAULT_SPEC_PATH.read_text())
    data["orderer_orgs"][0]["nodes"][0].update(port=free_port(), admin_port=free_port(), operations_port=free_port())
    out = tmp_path / "net"
    generate(parse_spec(data), out)
    return NetworkLayout(out)


@pytest.fixture
def running_orderer(
    orderer_network: NetworkLayout, fabric_binary: Callable[[str], Path], tmp_path: Path
) -> Iterator[tuple[NetworkLayout, int]]:
    binary = fabric_binary("orderer")
    node = orderer_network.spec.orderer_orgs[0].nodes[0]
    node_dir = orderer_network.orderer_dir(node.name)
    tls = orderer_network.node_tls(node_dir)
    admin_ca = str(orderer_network.tlsca_cert("OrdererMSP"))
    env = {
        **os.environ,
        "FABRIC_CFG_PATH": str(_orderer_config_dir(binary)),
        "ORDERER_GENERAL_LISTENADDRESS": "127.0.0.1",
        "ORDERER_GENERAL_LISTENPORT": str(node.port),
        "ORDERER_GENERAL_LOCALMSPID": "OrdererMSP",
        "ORDERER_GENERAL_LOCALMSPDIR": str(node_dir / "msp"),
        "ORDERER_GENERAL_TLS_ENABLED": "true",
        "ORDERER_GENERAL_TLS_PRIVATEKEY": str(tls.key),
        "ORDERER_GENERAL_TLS_CERTIFICATE": str(tls.cert),
        "ORDERER_GENERAL_TLS_ROOTCAS": f"[{tls.ca_cert}]",
        "ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE": str(tls.cert),
        "ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY": str(tls.key),
        "ORDERER_GENERAL_CLUSTER_ROOTCAS": f"[{tls.ca_cert}]",
        "ORDERER_GENERAL_BOOTSTRAPMETHOD": "none",
        "ORDERER_CHANNELPARTICIPATION_ENABLED": "true",
        "ORDERER_ADMIN_LISTENADDRESS": f"127.0.0.1:{node.admin_port}",
        "ORDERER_ADMIN_TLS_ENABLED": "true",
        "ORDERER_ADMIN_TLS_CERTIFICATE": str(tls.cert),
        "ORDERER_ADMIN_TLS_PRIVATEKEY": str(tls.key),
        "ORDERER_ADMIN_TLS_ROOTCAS": f"[{admin_ca}]",
        "ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED": "true",
        "ORDERER_ADMIN_TLS_CLIENTROOTCAS": f"[{admin_ca}]",
        "ORDERER_OPERATIONS_LISTENADDRESS": f"127.0.0.1:{node.operations_port}",
        "ORDERER_FILELEDGER_LOCATION": str(tmp_path / "ledger"),
        "ORDERER_CONSENSUS_WALDIR": str(tmp_path / "wal"),
        "ORDERER_CONSENSUS_SNAPDIR": str(tmp_path / "snap"),
    }
    log = (tmp_path / "orderer.log").open("wb")
    proc = subprocess.Popen([str(binary)], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield orderer_network, int(node.admin_port or 0)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.mark.integration
def test_real_orderer_joins_our_channel(running_orderer: tuple[NetworkLayout, int]) -> None:
    layout, admin_port = running_orderer
    admin = layout.user_tls(layout.user_dir("OrdererMSP", "Admin"))
    client = httpx.Client(
        base_url=f"https://127.0.0.1:{admin_port}",
        verify=str(layout.tlsca_cert("OrdererMSP")),
        cert=(str(admin.cert), str(admin.key)),
        timeout=10,
    )
    deadline = time.monotonic() + 60
    while True:  # wait for the admin endpoint to listen (a deadline, not a timing assertion)
        try:
            client.get("/participation/v1/channels")
            break
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    block = layout.genesis_block("assetchannel").read_bytes()
    response = client.post("/participation/v1/channels", files={"config-block": ("config.block", block)})
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "assetchannel"
    while True:
        info = client.get("/participation/v1/channels/assetchannel").json()
        if info["status"] == "active" and info["height"] >= 1:
            break
        assert time.monotonic() < deadline, info
        time.sleep(0.5)
    assert info["consensusRelation"] == "consenter"
    fetched = client.get("/participation/v1/channels/assetchannel/blocks/0")
    assert fetched.status_code == 200
    ours = common_pb2.Block.FromString(block)
    theirs = common_pb2.Block.FromString(fetched.content)
    assert theirs.header == ours.header and list(theirs.data.data) == list(ours.data.data)
