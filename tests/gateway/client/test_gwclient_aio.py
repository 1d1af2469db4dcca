"""The asyncio API against the same Gateway double (grpc.aio channel, asyncio.run per test)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import grpc
import pytest
from fabric_protos.gateway import gateway_pb2
from fabric_protos.peer import chaincode_event_pb2, transaction_pb2
from gwclient_server import FakeGateway, serve

from gateway.client import CommitError, EndorseError, checkpointers, ecdsa
from gateway.client.aio import connect_async


@pytest.fixture()
def fake(peers) -> Iterator[tuple[FakeGateway, int]]:
    servicer = FakeGateway(peers)
    server, port = serve(servicer)
    yield servicer, port
    server.stop(None)


def test_async_submit_evaluate_and_errors(fake, client) -> None:
    servicer, port = fake

    async def scenario() -> None:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            contract = connect_async(channel, *client[:2]).get_network("ch").get_contract("assets")
            assert await contract.submit_transaction("CreateAsset", "a1") == b"result:a1"
            assert await contract.evaluate_transaction("Read", "a1") == b"Read|a1@"
            with pytest.raises(EndorseError) as info:
                await contract.submit_transaction("Fail")
            assert info.value.code == grpc.StatusCode.ABORTED and len(info.value.details) == 2
            with pytest.raises(CommitError) as commit_info:
                await contract.submit_transaction("Invalid")
            assert commit_info.value.code == transaction_pb2.TxValidationCode.MVCC_READ_CONFLICT

    asyncio.run(scenario())
    assert len([r for r in servicer.requests if isinstance(r, gateway_pb2.SubmitRequest)]) == 2


def test_async_offline_signing(fake, client) -> None:
    servicer, port = fake
    identity, _, key = client

    async def scenario() -> bool:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            gw = connect_async(channel, identity)
            unsigned = gw.get_network("ch").get_contract("assets").new_proposal("F", ["x"])
            proposal = gw.new_signed_proposal(unsigned.bytes, ecdsa.sign_digest(key, unsigned.digest))
            tx = await proposal.endorse()
            tx = gw.new_signed_transaction(tx.bytes, ecdsa.sign_digest(key, tx.digest))
            commit = await tx.submit()
            commit = gw.new_signed_commit(commit.bytes, ecdsa.sign_digest(key, commit.digest))
            return (await commit.get_status()).successful

    assert asyncio.run(scenario()) is True


def test_async_events_resume_and_close(fake, client) -> None:
    servicer, port = fake
    for t in ("t0", "t1", "t2"):
        servicer.add_block([chaincode_event_pb2.ChaincodeEvent(chaincode_id="assets", tx_id=t, event_name="E")])
    servicer.hold_streams_open = True
    checkpoint = checkpointers.in_memory()

    async def first_two() -> list[str]:
        seen: list[str] = []
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            network = connect_async(channel, *client[:2]).get_network("ch")
            async with network.get_chaincode_events("assets", start_block=0, checkpoint=checkpoint) as events:
                async for event in events:
                    seen.append(event.transaction_id)
                    checkpoint.checkpoint_chaincode_event(event)
                    if len(seen) == 2:
                        events.close()
        return seen

    async def rest() -> list[str]:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            network = connect_async(channel, *client[:2]).get_network("ch")
            async with network.get_chaincode_events("assets", checkpoint=checkpoint) as events:
                event = await events.__anext__()
                return [event.transaction_id]

    assert asyncio.run(first_two()) == ["t0", "t1"]
    assert asyncio.run(rest()) == ["t2"]
