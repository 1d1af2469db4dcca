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

import pytest
import yaml
from fabric_protos.common import common_pb2

from network.crypto.bootstrap import generate
from network.fabric.add_org import admin_signer
from network.fabric.deliver import fetch_block
from network.fabric.genesis import genesis_block_for
from network.fabric.participation import ParticipationClient
from network.fabric.release import is_v2, release_line
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
) -> Iterator[tuple[NetworkLayout, tuple[int, int]]]:
    """The orderer's network and release line (which picks the genesis block it joins)."""
    binary = fabric_binary("orderer")
    line = release_line(binary)
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
        yield orderer_network, line
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def block_zero(layout: NetworkLayout, client: ParticipationClient, line: tuple[int, int]) -> bytes:
    """Block 0 as the orderer serves it: the participation API on v3; Deliver on v2.5, whose participation
    API has no ``/blocks/`` endpoint (HTTP 404)."""
    if not is_v2(line):
        return client.block("assetchannel", 0)
    msp_id = layout.spec.channel("assetchannel").orgs[0]
    return fetch_block(layout, "assetchannel", admin_signer(layout, msp_id), 0).SerializeToString()


@pytest.mark.integration
def test_real_orderer_joins_our_channel(running_orderer: tuple[NetworkLayout, tuple[int, int]]) -> None:
    layout, line = running_orderer
    node = layout.spec.orderer_orgs[0].nodes[0]
    # httpx's deprecated cert=(cert, key) with verify=<path> sent no client certificate to the orderer
    # (TLSV13_ALERT_CERTIFICATE_REQUIRED); the project's client builds an explicit SSLContext instead.
    with ParticipationClient.for_orderer(layout, node.name) as client:
        deadline = time.monotonic() + 60
        while not client.ready():  # wait for the admin endpoint to listen (a deadline, not a timing assertion)
            assert time.monotonic() < deadline, "orderer admin endpoint never answered"
            time.sleep(0.5)
        block = genesis_block_for(layout, "assetchannel", line).read_bytes()
        joined = client.join(block)
        assert joined["name"] == "assetchannel"
        while (info := client.channel_info("assetchannel")) is None or info["status"] != "active":
            assert time.monotonic() < deadline, info
            time.sleep(0.5)
        assert info["consensusRelation"] == "consenter" and info["height"] >= 1
        fetched = block_zero(layout, client, line)
    ours = common_pb2.Block.FromString(block)
    theirs = common_pb2.Block.FromString(fetched)
    assert theirs.header == ours.header and list(theirs.data.data) == list(ours.data.data)


def test_configtxlator_computes_the_same_update_as_we_do(
    generated: NetworkLayout, fabric_binary: Callable[[str], Path], tmp_path: Path
) -> None:
    """Adding an org: Fabric's ``configtxlator compute_update`` and :func:`compute_update` agree exactly."""
    from fabric_protos.common import configtx_pb2

    from network.configtx.update import compute_update, with_application_org
    from network.fabric.add_org import config_from_block

    configtxlator = fabric_binary("configtxlator")
    original = config_from_block(common_pb2.Block.FromString(generated.genesis_block("assetchannel").read_bytes()))
    org1 = original.channel_group.groups["Application"].groups["Org1"]
    updated = with_application_org(original, "Org9", org1)  # any well-formed org group will do for the delta
    updated.channel_group.groups["Orderer"].values["BatchTimeout"].value = b"\n\x013s"
    (tmp_path / "original.pb").write_bytes(original.SerializeToString())
    (tmp_path / "updated.pb").write_bytes(updated.SerializeToString())
    run = subprocess.run(
        [str(configtxlator), "compute_update", "--channel_id", "assetchannel", "--original",
         str(tmp_path / "original.pb"), "--updated", str(tmp_path / "updated.pb"), "--output", str(tmp_path / "u.pb")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    theirs = configtx_pb2.ConfigUpdate.FromString((tmp_path / "u.pb").read_bytes())
    assert compute_update("assetchannel", original, updated) == theirs
