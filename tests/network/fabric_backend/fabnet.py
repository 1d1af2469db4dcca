"""Helpers for the Fabric back-end tests: specs on free loopback ports, official-binary detection, and the
asset chaincode as each org's user sees it through the gateway client."""

from __future__ import annotations

import json
from typing import Any

import yaml

from gateway.client import connect
from gateway.client.contract import Contract
from gateway.client.identity import load_msp_identity
from gateway.client.tls import secure_channel
from network.fabric.binaries import find_binary
from network.fabric.default_spec import with_orderer_count
from network.layout import NetworkLayout
from network.spec import DEFAULT_SPEC_PATH, ConsortiumSpec, parse_spec
from network.spec.freeports import free_base_port

CHANNEL = "assetchannel"
CHAINCODE = "assetregistry"

NEW_ORG: dict[str, Any] = {
    "name": "Org4",
    "msp_id": "Org4MSP",
    "domain": "org4.example.com",
    "peers": [{"name": "peer0"}],
    "users": [{"name": "User1"}],
}


def spec_on_free_ports(orderers: int = 3, extra_org: bool = True) -> ConsortiumSpec:
    """The default consortium (``orderers`` raft nodes) shifted to a ``base_port`` whose every port is free.

    With ``extra_org`` the probe also covers the ports a fourth org (``NEW_ORG``) would take, so an
    ``add-org`` later in the test does not collide either.
    """
    data = with_orderer_count(yaml.safe_load(DEFAULT_SPEC_PATH.read_text()), orderers)
    probe = data
    if extra_org:
        new_org = {key: value for key, value in NEW_ORG.items() if key != "users"}
        probe = {**data, "member_orgs": [*data["member_orgs"], new_org]}
    base = free_base_port(probe, attempts=200, high=48000)
    return parse_spec({**data, "base_port": base})


def fabric_binaries_present() -> bool:
    return find_binary("peer") is not None and find_binary("orderer") is not None


def asset_contract(layout: NetworkLayout, msp_id: str, user: str = "User1") -> Contract:
    """The asset chaincode through ``msp_id``'s own peer, as ``user`` of that org (TLS to the peer)."""
    identity, signer = load_msp_identity(layout.user_msp_dir(msp_id, user), msp_id)
    peer = layout.spec.member_org(msp_id).peers[0]
    channel = secure_channel(f"127.0.0.1:{peer.port}", layout.tlsca_cert(msp_id).read_bytes())
    return connect(channel, identity, signer).get_network(CHANNEL).get_contract(CHAINCODE)


def fungible_class(class_id: str) -> str:
    """``RegisterClass`` argument for a plain fungible security class."""
    return json.dumps({"id": class_id, "kind": "fungible", "category": "security", "decimals": 2, "rules": {}})
