"""A chaincode stream that breaks mid-run: the transactions in flight fail at once with a clean error (the
endorser turns it into a status-500 endorsement), and the next transaction dials a fresh stream."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import grpc
import pytest
from fabric_protos.peer import chaincode_pb2, chaincode_shim_pb2, chaincode_shim_pb2_grpc, proposal_response_pb2

from network.devnet.chaincode.connection import ConnectionInfo
from network.devnet.chaincode.runtime import ChaincodeRuntime
from network.devnet.chaincode.stream import ChaincodeStream, ChaincodeStreamError

Msg = chaincode_shim_pb2.ChaincodeMessage
PKG = "streamcc:" + "cd" * 32
HOLD = "hold"  # a transaction the chaincode never answers


class Chaincode(chaincode_shim_pb2_grpc.ChaincodeServicer):
    """Registers, then answers every TRANSACTION with COMPLETED(200) except txid HOLD."""

    def __init__(self) -> None:
        self.connections = 0

    async def Connect(  # noqa: N802 - gRPC method name
        self, request_iterator: AsyncIterator[Msg], context: grpc.aio.ServicerContext
    ) -> AsyncIterator[Msg]:
        self.connections += 1
        yield Msg(type=Msg.REGISTER, payload=chaincode_pb2.ChaincodeID(name=PKG).SerializeToString())
        ok = proposal_response_pb2.Response(status=200, payload=b"ok").SerializeToString()
        async for msg in request_iterator:
            if msg.type == Msg.TRANSACTION and msg.txid != HOLD:
                yield Msg(type=Msg.COMPLETED, payload=ok, txid=msg.txid, channel_id=msg.channel_id)


async def serve() -> tuple[grpc.aio.Server, int, Chaincode]:
    server = grpc.aio.server()
    chaincode = Chaincode()
    chaincode_shim_pb2_grpc.add_ChaincodeServicer_to_server(chaincode, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    return server, port, chaincode


async def no_requests(msg: Msg) -> Msg:
    raise AssertionError("the test chaincode makes no requests")


def transaction(txid: str) -> Msg:
    return Msg(type=Msg.TRANSACTION, txid=txid, channel_id="ch")


def break_writes(stream: ChaincodeStream) -> None:
    """What grpc.aio does once the call has finished underneath us."""
    call = stream._call
    assert call is not None

    async def finished(msg: Msg) -> None:
        raise asyncio.InvalidStateError("RPC already finished")

    call.write = finished  # type: ignore[method-assign]


def test_write_on_a_finished_stream_fails_in_flight_transactions_and_reconnects() -> None:
    async def run() -> None:
        server, port, chaincode = await serve()
        runtime = ChaincodeRuntime(lambda pid: ConnectionInfo(address=f"127.0.0.1:{port}"), execute_timeout=60)
        try:
            first = await runtime.stream(PKG)
            done = await first.execute(transaction("t1"), no_requests)
            assert done.type == Msg.COMPLETED
            held = asyncio.create_task(first.execute(transaction(HOLD), no_requests))
            await asyncio.sleep(0)  # let HOLD be written and wait for its answer
            while HOLD not in {txid for _, txid in first._txs}:
                await asyncio.sleep(0)
            break_writes(first)
            with pytest.raises(ChaincodeStreamError, match="RPC already finished"):
                await first.execute(transaction("t2"), no_requests)
            assert first.closed
            # the transaction waiting on the broken stream fails now, not at its 60 s execute timeout
            with pytest.raises(ChaincodeStreamError):
                await asyncio.wait_for(held, 30)
            second = await runtime.stream(PKG)
            assert second is not first and chaincode.connections == 2
            assert (await second.execute(transaction("t3"), no_requests)).type == Msg.COMPLETED
        finally:
            await runtime.close()
            await server.stop(0)

    asyncio.run(run())


def test_stream_ended_by_the_chaincode_fails_waiting_transaction() -> None:
    async def run() -> None:
        server, port, _ = await serve()
        stream = ChaincodeStream(PKG, ConnectionInfo(address=f"127.0.0.1:{port}"))
        await stream.connect()
        try:
            held = asyncio.create_task(stream.execute(transaction(HOLD), no_requests, timeout=60))
            while HOLD not in {txid for _, txid in stream._txs}:
                await asyncio.sleep(0)
            await server.stop(0)  # the chaincode goes away mid-transaction
            with pytest.raises(ChaincodeStreamError):
                await asyncio.wait_for(held, 30)
            assert stream.closed
        finally:
            await stream.close()

    asyncio.run(run())


def test_cancelled_transaction_does_not_tear_down_the_shared_stream() -> None:
    """grpc.aio cancels a whole call when a task is cancelled inside ``write()``; one abandoned endorsement
    (client deadline, disconnect) must not take every other transaction's stream with it."""

    async def run() -> None:
        server, port, chaincode = await serve()
        stream = ChaincodeStream(PKG, ConnectionInfo(address=f"127.0.0.1:{port}"))
        await stream.connect()
        call = stream._call
        assert call is not None
        real_write = call.write
        entered, proceed = asyncio.Event(), asyncio.Event()

        async def slow_write(msg: Msg) -> None:
            if msg.txid == "abandoned":
                entered.set()
                try:
                    await proceed.wait()  # a send blocked by flow control
                except asyncio.CancelledError:
                    call.cancel()  # what grpc/aio/_call.py ``_write`` does on cancellation
                    raise
            await real_write(msg)

        call.write = slow_write  # type: ignore[method-assign]
        try:
            abandoned = asyncio.create_task(stream.execute(transaction("abandoned"), no_requests, timeout=60))
            await entered.wait()
            abandoned.cancel()
            with pytest.raises(asyncio.CancelledError):
                await abandoned
            proceed.set()
            done = await asyncio.wait_for(stream.execute(transaction("next"), no_requests), 30)
            assert done.type == Msg.COMPLETED
            assert not stream.closed and chaincode.connections == 1
        finally:
            await stream.close()
            await server.stop(0)

    asyncio.run(run())
