"""Connections of a benchmark client: an org user's identity and an asyncio Gateway to that org's peer."""

from __future__ import annotations

import grpc

from gateway.client.aio import AsyncContract, connect_async
from gateway.client.identity import load_msp_identity
from network.devnet.node.grpcserver import client_channel
from network.layout import NetworkLayout


def org_peer(layout: NetworkLayout, mspid: str) -> tuple[str, str]:
    """(address, TLS host name) of the org's first peer - the gateway peer of that org's clients."""
    for org, peer in layout.spec.peers():
        if org.msp_id == mspid:
            return f"127.0.0.1:{peer.port}", f"{peer.name}.{org.domain}"
    raise KeyError(f"mspid: no peer of {mspid!r} in the network")


def gateway_channel(layout: NetworkLayout, mspid: str) -> grpc.aio.Channel:
    address, host = org_peer(layout, mspid)
    return client_channel(address, layout.tlsca_cert(mspid).read_bytes(), host)


def contract(channel: grpc.aio.Channel, layout: NetworkLayout, channel_name: str, chaincode: str,
             mspid: str = "Org1MSP", user: str = "User1") -> AsyncContract:
    identity, signer = load_msp_identity(layout.user_msp_dir(mspid, user), mspid)
    return connect_async(channel, identity, signer).get_network(channel_name).get_contract(chaincode)
