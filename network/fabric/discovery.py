"""Readiness through the peer's discovery service (what the Fabric Gateway itself relies on).

The gateway picks endorsers from discovery (``internal/pkg/gateway/registry.go``), which only knows peers
it has heard of through gossip, and only lists a peer for a chaincode once that peer's gossip state info
advertises it. Right after ``up`` or ``deploy`` this takes a few gossip rounds, during which a submit fails
with "no combination of peers can be derived which satisfy the endorsement policy". Waiting here until
discovery returns at least one endorsement layout for the chaincode makes ``deploy`` return a usable
chaincode. Request format: ``discovery/protocol.proto``; signed like any client message (the signature over
the marshalled ``Request``, ``discovery/authcache.go``); no TLS client cert, so the cert hash is empty.
"""

from __future__ import annotations

import time

import grpc
from fabric_protos.discovery import protocol_pb2, protocol_pb2_grpc
from fabric_protos.peer import proposal_response_pb2

from network.configtx.update_sign import Signer
from network.layout import NetworkLayout, read_signing_material


def endorsement_query(signer: Signer, channel: str, chaincode: str) -> protocol_pb2.SignedRequest:
    interest = proposal_response_pb2.ChaincodeInterest(chaincodes=[proposal_response_pb2.ChaincodeCall(name=chaincode)])
    query = protocol_pb2.Query(channel=channel, cc_query=protocol_pb2.ChaincodeQuery(interests=[interest]))
    request = protocol_pb2.Request(authentication=protocol_pb2.AuthInfo(client_identity=signer.creator()),
                                   queries=[query])  # fmt: skip
    payload = request.SerializeToString()
    return protocol_pb2.SignedRequest(payload=payload, signature=signer.sign(payload))


def chaincode_layouts(layout: NetworkLayout, msp_id: str, channel: str, chaincode: str) -> int | str:
    """Number of endorsement layouts discovery offers on ``msp_id``'s first peer, or its error text."""
    cert, key = read_signing_material(layout.admin_msp_dir(msp_id))
    signer = Signer(msp_id, cert, key)
    peer = layout.spec.member_org(msp_id).peers[0]
    credentials = grpc.ssl_channel_credentials(root_certificates=layout.tlsca_cert(msp_id).read_bytes())
    with grpc.secure_channel(f"127.0.0.1:{peer.port}", credentials) as channel_:
        stub = protocol_pb2_grpc.DiscoveryStub(channel_)
        response = stub.Discover(endorsement_query(signer, channel, chaincode), timeout=10)
    result = response.results[0]
    if result.HasField("error"):
        return result.error.content
    return sum(len(d.layouts) for d in result.cc_query_res.content)


def wait_endorsable(layout: NetworkLayout, channel: str, chaincode: str, msp_ids: list[str], timeout: float) -> None:
    """Until discovery on every org's first peer offers endorsers for ``chaincode`` (or ``timeout``)."""
    deadline = time.monotonic() + timeout
    for msp_id in msp_ids:
        while True:
            try:
                answer = chaincode_layouts(layout, msp_id, channel, chaincode)
            except grpc.RpcError as exc:
                answer = f"{exc.code().name}: {exc.details()}"  # type: ignore[attr-defined]
            if isinstance(answer, int) and answer > 0:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{msp_id}: discovery offers no endorsers for {chaincode} on {channel}: {answer}")
            time.sleep(0.5)
