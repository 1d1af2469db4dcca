"""The Gateway service in-process and over gRPC: planning across orgs, errors with ErrorDetail, commit
status and chaincode events. Org2's peer is a real gRPC Endorser server with its TLS certificate."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from fabric_protos.gateway import gateway_pb2, gateway_pb2_grpc
from fabric_protos.orderer import ab_pb2
from fabric_protos.peer import peer_pb2_grpc, transaction_pb2

from devnet.endorsement.support import CHANNEL, InProcessPeer, commit, peers_with_chaincode
from gateway.client.status import error_details_from_call
from network.devnet.deliver.puller import Endpoint
from network.devnet.endorser.services import EndorserService
from network.devnet.gatewaysvc.service import GatewayService
from network.devnet.node.grpcserver import bind, new_server, server_credentials
from network.layout import NetworkLayout


@contextlib.asynccontextmanager
async def gateway_for(layout: NetworkLayout, peers: list[InProcessPeer]) -> AsyncIterator[GatewayService]:
    """Org1's gateway; Org2's peer served over TLS on an ephemeral port."""
    tls = NetworkLayout.node_tls(layout.peer_dir("Org2MSP", "peer0"))
    server = new_server()
    peer_pb2_grpc.add_EndorserServicer_to_server(EndorserService(peers[1].endorser), server)
    port = bind(server, 0, server_credentials(tls.cert, tls.key))
    await server.start()
    endpoint = Endpoint("Org2MSP", "peer0.org2.example.com", f"127.0.0.1:{port}",
                        layout.tlsca_cert("Org2MSP").read_bytes())
    gw = GatewayService("Org1MSP", peers[0].endorser, {CHANNEL: peers[0].channel}.get, lambda: [endpoint],
                        lambda ch: [])
    try:
        yield gw
    finally:
        for target in gw._remote.values():
            await target.drop()
        await server.stop(0)


def test_endorse_collects_majority_and_evaluate(layout: NetworkLayout, tmp_path: Path) -> None:
    async def body() -> None:
        async with peers_with_chaincode(layout, tmp_path) as (peers, client), gateway_for(layout, peers) as gw:
            signed, txid = client.proposal("testcc", "put", "g", "1")
            resp = await gw.endorse(gateway_pb2.EndorseRequest(transaction_id=txid, channel_id=CHANNEL,
                                                               proposed_transaction=signed))
            env = resp.prepared_transaction
            assert not env.signature
            from fabric_protos.common import common_pb2
            payload = common_pb2.Payload.FromString(env.payload)
            tx = transaction_pb2.Transaction.FromString(payload.data)
            cap = transaction_pb2.ChaincodeActionPayload.FromString(tx.actions[0].payload)
            endorsers = sorted(e.endorser for e in cap.action.endorsements)
            assert endorsers == sorted(p.identity.serialize() for p in peers)  # MAJORITY of 2 orgs = both
            env.signature = client.signer(env.payload)
            assert await commit(peers, [env], [0]) == [0]
            signed, txid = client.proposal("testcc", "get", "g")
            result = await gw.evaluate(gateway_pb2.EvaluateRequest(transaction_id=txid, channel_id=CHANNEL,
                                                                   proposed_transaction=signed))
            assert result.result.payload == b"1"
            # explicit endorsing organizations: one endorsement from each
            signed, txid = client.proposal("testcc", "put", "g", "2")
            resp = await gw.endorse(gateway_pb2.EndorseRequest(proposed_transaction=signed,
                                                               endorsing_organizations=["Org2MSP"]))
            payload = common_pb2.Payload.FromString(resp.prepared_transaction.payload)
            cap = transaction_pb2.ChaincodeActionPayload.FromString(
                transaction_pb2.Transaction.FromString(payload.data).actions[0].payload)
            assert [e.endorser for e in cap.action.endorsements] == [peers[1].identity.serialize()]

    asyncio.run(body())


def test_errors_carry_error_details_over_grpc(layout: NetworkLayout, tmp_path: Path) -> None:
    async def body() -> None:
        async with peers_with_chaincode(layout, tmp_path) as (peers, client), gateway_for(layout, peers) as gw:
            server = grpc.aio.server()
            gateway_pb2_grpc.add_GatewayServicer_to_server(gw, server)
            port = server.add_insecure_port("127.0.0.1:0")
            await server.start()
            try:
                async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as ch:
                    stub = gateway_pb2_grpc.GatewayStub(ch)
                    signed, txid = client.proposal("testcc", "fail", "kaboom")
                    with pytest.raises(grpc.aio.AioRpcError) as info:
                        await stub.Endorse(gateway_pb2.EndorseRequest(proposed_transaction=signed))
                    # as Fabric's gateway: ABORTED, the chaincode's answer in the ErrorDetail of the endorser
                    assert info.value.code() == grpc.StatusCode.ABORTED
                    assert info.value.details() == "failed to endorse transaction, see attached details for more info"
                    details = error_details_from_call(info.value)
                    assert [(d.msp_id, d.message) for d in details] == [("Org1MSP", "chaincode response 500, kaboom")]
                    signed, txid = client.proposal("testcc", "fail", "kaboom")
                    with pytest.raises(grpc.aio.AioRpcError) as info:
                        await stub.Evaluate(gateway_pb2.EvaluateRequest(proposed_transaction=signed))
                    assert info.value.code() == grpc.StatusCode.UNKNOWN
                    assert [d.message for d in error_details_from_call(info.value)] == [
                        "chaincode response 500, kaboom"]
                    with pytest.raises(grpc.aio.AioRpcError) as info:
                        await stub.Submit(gateway_pb2.SubmitRequest(channel_id=CHANNEL))
                    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
                    signed, txid = client.proposal("testcc", "get", "x", channel="nochannel")
                    with pytest.raises(grpc.aio.AioRpcError) as info:
                        await stub.Evaluate(gateway_pb2.EvaluateRequest(proposed_transaction=signed))
                    assert info.value.code() == grpc.StatusCode.NOT_FOUND
            finally:
                await server.stop(0)

    asyncio.run(body())


def test_commit_status_and_chaincode_events(layout: NetworkLayout, tmp_path: Path) -> None:
    from gateway.client.commit import signed_commit_status_request
    from gateway.client.events import signed_chaincode_events_request

    async def body() -> None:
        event_cc = {"name": "evcc", "label": "evcc_1", "events": True}
        async with peers_with_chaincode(layout, tmp_path, **event_cc) as (peers, client), \
                gateway_for(layout, peers) as gw:
            start = peers[0].ledger.height
            signed, txid = client.proposal("evcc", "created", "payload-1")
            resp = await gw.endorse(gateway_pb2.EndorseRequest(proposed_transaction=signed))
            env = resp.prepared_transaction
            env.signature = client.signer(env.payload)
            status_req = signed_commit_status_request(client.identity, client.signer, CHANNEL, txid)
            waiter = asyncio.create_task(gw.commit_status(status_req))
            await asyncio.sleep(0)
            assert await commit(peers, [env], [0]) == [0]
            status = await asyncio.wait_for(waiter, 10)
            assert (status.result, status.block_number) == (transaction_pb2.VALID, start)
            events_req = signed_chaincode_events_request(client.identity, client.signer, CHANNEL, "evcc",
                                                         start_block=start)
            stream = gw.chaincode_events(events_req)
            first = await asyncio.wait_for(stream.__anext__(), 10)
            assert first.block_number == start
            assert [(e.chaincode_id, e.tx_id, e.event_name, e.payload) for e in first.events] == [
                ("evcc", txid, "created", b"payload-1")]
            await stream.aclose()
            bad = gateway_pb2.SignedChaincodeEventsRequest(request=events_req.request, signature=b"\x30\x00")
            with pytest.raises(Exception, match="PERMISSION_DENIED"):
                await stream_first(gw, bad)
            req = gateway_pb2.ChaincodeEventsRequest.FromString(events_req.request)
            req.start_position.CopyFrom(ab_pb2.SeekPosition(oldest=ab_pb2.SeekOldest()))
            raw = req.SerializeToString()
            with pytest.raises(Exception, match="INVALID_ARGUMENT"):
                await stream_first(gw, gateway_pb2.SignedChaincodeEventsRequest(request=raw,
                                                                                signature=client.signer(raw)))

    asyncio.run(body())


async def stream_first(gw: GatewayService, request: gateway_pb2.SignedChaincodeEventsRequest) -> object:
    stream = gw.chaincode_events(request)
    try:
        return await asyncio.wait_for(stream.__anext__(), 5)
    finally:
        await stream.aclose()
