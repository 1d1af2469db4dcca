"""Defaults the spec fills in: the port plan, base_port shifting, admin users, anchors, the resolved JSON."""

from __future__ import annotations

import json
from typing import Any

import yaml

from network.layout import NetworkLayout
from network.spec import DEFAULT_SPEC_PATH, ConsortiumSpec, parse_spec


def base() -> dict[str, Any]:
    return yaml.safe_load(DEFAULT_SPEC_PATH.read_text())


def ports(spec: ConsortiumSpec) -> list[int]:
    out = []
    for _, node in spec.orderer_nodes():
        out += [node.port, node.admin_port, node.operations_port]
    for _, peer in spec.peers():
        out += [peer.port, peer.chaincode_port, peer.operations_port]
    return [p for p in out if p is not None]


def test_default_port_plan(default_spec: ConsortiumSpec) -> None:
    ((_, orderer),) = default_spec.orderer_nodes()
    assert (orderer.port, orderer.admin_port, orderer.operations_port) == (7050, 7053, 9443)
    assert [(p.port, p.operations_port) for _, p in default_spec.peers()] == [(7051, 9444), (8051, 9445), (9051, 9446)]
    assert default_spec.chaincode_base_port == 9999


def test_base_port_shifts_every_port(default_spec: ConsortiumSpec) -> None:
    data = base()
    data["base_port"] = 27050
    shifted = parse_spec(data)
    assert ports(shifted) == [p + 20000 for p in ports(default_spec)]
    assert shifted.chaincode_base_port == 29999
    assert not set(ports(shifted)) & set(ports(default_spec))


def test_explicit_port_wins() -> None:
    data = base()
    data["member_orgs"][1]["peers"][0]["port"] = 12345
    spec = parse_spec(data)
    peer = spec.member_org("Org2MSP").peers[0]
    assert peer.port == 12345 and peer.operations_port == 9445


def test_admin_added_and_first_peer_is_anchor() -> None:
    data = base()
    data["member_orgs"][0]["peers"].append({"name": "peer1"})
    spec = parse_spec(data)
    org1 = spec.member_org("Org1")
    assert [(u.name, u.role) for u in org1.users] == [("Admin", "admin"), ("User1", "client")]
    assert [p.anchor for p in org1.peers] == [True, False]
    assert org1.peers[1].port == 7061
    assert [(u.name, u.role) for u in spec.orderer_org("OrdererMSP").users] == [("Admin", "admin")]


def test_three_orgs_so_majority_is_two(default_spec: ConsortiumSpec) -> None:
    channel = default_spec.channel("assetchannel")
    assert len(channel.orgs) == 3 and len(channel.orgs) // 2 + 1 == 2
    assert channel.policies.endorsement == "MAJORITY Endorsement"
    assert channel.orderer_orgs == ["OrdererMSP"]


def test_resolved_spec_file_round_trips(generated: NetworkLayout, default_spec: ConsortiumSpec) -> None:
    data = json.loads(generated.resolved_spec_path().read_text())
    assert data["member_orgs"][0]["peers"][0]["port"] == 7051
    assert generated.resolved_spec() == default_spec


def test_layout_paths(generated: NetworkLayout) -> None:
    root = generated.root
    assert (
        generated.peer_dir("Org1MSP", "peer0")
        == root / "crypto/peerOrganizations/org1.example.com/peers/peer0.org1.example.com"
    )
    assert generated.peer_dir("org1.example.com", "peer0.org1.example.com") == generated.peer_dir("Org1", "peer0")
    assert (
        generated.orderer_dir("orderer0")
        == root / "crypto/ordererOrganizations/example.com/orderers/orderer0.example.com"
    )
    assert (
        generated.user_dir("Org3MSP", "User1")
        == root / "crypto/peerOrganizations/org3.example.com/users/User1@org3.example.com"
    )
    assert generated.genesis_block("assetchannel") == root / "channel-artifacts/assetchannel.block"
    tls = generated.node_tls(generated.peer_dir("Org2MSP", "peer0"))
    assert tls.cert.is_file() and tls.key.is_file() and tls.ca_cert.is_file()
    user_tls = generated.user_tls(generated.user_dir("Org2MSP", "User1"))
    assert user_tls.cert.name == "client.crt" and user_tls.cert.is_file()
    assert (generated.org_msp_dir("Org1MSP") / "cacerts" / "ca.org1.example.com-cert.pem").is_file()
