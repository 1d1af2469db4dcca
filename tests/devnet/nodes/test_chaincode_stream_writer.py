"""The shared chaincode stream under concurrency: one writer task carries every message, requests answered
inline reach the right transaction, and an execute timeout fails only its own transaction."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import grpc
import pytest
from fabric_protos.peer import chaincode_pb2, chaincode_shim_pb2, chaincode_shim_pb2_grpc, proposal_response_pb2

from network.devnet.chaincode.connection import ConnectionInfo
from network.devnet.chaincode.stream import ChaincodeStream, ChaincodeStreamError

Msg = chaincode_shim_pb2.ChaincodeMessage
PKG = "askcc:" + "ab" * 32
HOLD = "hold"


class AskingChaincode(chaincode_shim_pb2_grpc.ChaincodeServicer):
    """For each TRANSACTION: GET_STATE(key=txid), then COMPLETED whose payload is the peer's answer.
    Transactions run concurrently, as the shim runs each in its own task; txid HOLD is never answered."""

    async def Connect(  # noqa: N802 - gRPC method name
        self, request_iterator: AsyncIterator[Msg], context: grpc.aio.ServicerContext
    ) -> AsyncIterator[Msg]:
        outbox: asyncio.Queue[Msg] = asyncio.Queue()
        waiting: dict[str, asyncio.Future[Msg]] = {}
        await outbox.put(Msg(type=Msg.REGISTER, payload=chaincode_pb2.ChaincodeID(name=PKG).SerializeToString()))

        async def run(tx: Msg) -> None:
            answer = asyncio.get_running_loop().create_future()
            waiting[tx.txid] = answer
            ask = chaincode_shim_pb2.GetState(key=tx.txid).SerializeToString()
            await outbox.put(Msg(type=Msg.GET_STATE, payload=ask, txid=tx.txid, channel_id=tx.channel_id))
            reply = await answer
            done = proposal_response_pb2.Response(status=200, payload=reply.payload).SerializeToString()
            await outbox.put(Msg(type=Msg.COMPLETED, payload=done, txid=tx.txid, channel_id=tx.channel_id))

        async def consume() -> None:
            async for msg in request_iterator:
                if msg.type == Msg.TRANSACTION and msg.txid != HOLD:
                    asyncio.ensure_future(run(msg))
                elif msg.type == Msg.RESPONSE:
                    waiting.pop(msg.txid).set_result(msg)

        reader = asyncio.ensure_future(consume())
        try:
            while True:
                yield await outbox.get()
        finally:
            reader.cancel()


async def serve() -> tuple[grpc.aio.Server, int]:
    server = grpc.aio.server()
    chaincode_shim_pb2_grpc.add_ChaincodeServicer_to_server(AskingChaincode(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    return server, port


def answer(msg: Msg) -> Msg:
    """The peer's (synchronous) request handler: GET_STATE of key k answers k upper-cased."""
    key = chaincode_shim_pb2.GetState.FromString(msg.payload).key
    return Msg(type=Msg.RESPONSE, payload=key.upper().encode(), txid=msg.txid, channel_id=msg.channel_id)


def test_concurrent_transactions_get_their_own_inline_answers() -> None:
    async def run() -> list[bytes]:
        server, port = await serve()
        stream = ChaincodeStream(PKG, ConnectionInfo(address=f"127.0.0.1:{port}"))
        await stream.connect()
        try:
            finals = await asyncio.gather(*(stream.execute(Msg(type=Msg.TRANSACTION, txid=f"tx{i}", channel_id="ch"),
                                                           answer, timeout=30) for i in range(60)))
            assert all(f.type == Msg.COMPLETED for f in finals) and not stream.closed
            return [proposal_response_pb2.Response.FromString(f.payload).payload for f in finals]
        finally:
            await stream.close()
            await server.stop(0)

    assert asyncio.run(run()) == [f"TX{i}".encode() for i in range(60)]


def test_execute_timeout_fails_only_its_transaction() -> None:
    async def run() -> None:
        server, port = await serve()
        stream = ChaincodeStream(PKG, ConnectionInfo(address=f"127.0.0.1:{port}"))
        await stream.connect()
        try:
            with pytest.raises(ChaincodeStreamError, match="timeout expired while executing transaction hold"):
                await stream.execute(Msg(type=Msg.TRANSACTION, txid=HOLD, channel_id="ch"), answer, timeout=0.2)
            assert not stream.closed and not stream._txs
            done = await stream.execute(Msg(type=Msg.TRANSACTION, txid="after", channel_id="ch"), answer, timeout=30)
            assert proposal_response_pb2.Response.FromString(done.payload).payload == b"AFTER"
        finally:
            await stream.close()
            await server.stop(0)

    asyncio.run(run())
