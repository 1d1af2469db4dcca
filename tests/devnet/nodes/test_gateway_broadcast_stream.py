"""The gateway's long-lived Broadcast stream: concurrent submits share one stream, each gets its own
response (matched by position), and a stream the orderer ends is replaced by the next submit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import grpc
from fabric_protos.common import common_pb2
from fabric_protos.orderer import ab_pb2, ab_pb2_grpc

from network.devnet.gatewaysvc.broadcaster import CLOSED_BY_ORDERER, OrdererStream


class EchoOrderer(ab_pb2_grpc.AtomicBroadcastServicer):
    """Answers each envelope with info = its payload; ends a stream after ``per_stream`` envelopes."""

    def __init__(self, per_stream: int = 1_000_000) -> None:
        self.streams = 0
        self.per_stream = per_stream

    async def Broadcast(  # noqa: N802 - gRPC method name
        self, request_iterator: AsyncIterator[common_pb2.Envelope], context: grpc.aio.ServicerContext
    ) -> AsyncIterator[ab_pb2.BroadcastResponse]:
        self.streams += 1
        answered = 0
        async for envelope in request_iterator:
            if answered == self.per_stream:
                return
            answered += 1
            yield ab_pb2.BroadcastResponse(status=common_pb2.SUCCESS, info=envelope.payload.decode())


async def serve(orderer: EchoOrderer) -> tuple[grpc.aio.Server, grpc.aio.Channel]:
    server = grpc.aio.server()
    ab_pb2_grpc.add_AtomicBroadcastServicer_to_server(orderer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    return server, grpc.aio.insecure_channel(f"127.0.0.1:{port}")


def test_concurrent_submits_share_one_stream_and_get_their_own_response() -> None:
    async def run() -> list[tuple[int, str]]:
        orderer = EchoOrderer()
        server, channel = await serve(orderer)
        stream = OrdererStream(channel)
        try:
            sends = [stream.send(common_pb2.Envelope(payload=b"tx%d" % i), 30) for i in range(40)]
            outcomes = await asyncio.gather(*sends)
            assert orderer.streams == 1
            return outcomes
        finally:
            await stream.close()
            await channel.close()
            await server.stop(0)

    outcomes = asyncio.run(run())
    assert outcomes == [(common_pb2.SUCCESS, f"tx{i}") for i in range(40)]


def test_stream_ended_by_the_orderer_is_reported_and_reopened() -> None:
    async def run() -> None:
        orderer = EchoOrderer(per_stream=1)
        server, channel = await serve(orderer)
        stream = OrdererStream(channel)
        try:
            assert await stream.send(common_pb2.Envelope(payload=b"a"), 30) == (common_pb2.SUCCESS, "a")
            assert await stream.send(common_pb2.Envelope(payload=b"b"), 30) == CLOSED_BY_ORDERER
            assert await stream.send(common_pb2.Envelope(payload=b"c"), 30) == (common_pb2.SUCCESS, "c")
            assert orderer.streams == 2
        finally:
            await stream.close()
            await channel.close()
            await server.stop(0)

    asyncio.run(run())


def test_unreachable_orderer_raises_rpc_error() -> None:
    async def run() -> grpc.StatusCode:
        server, channel = await serve(EchoOrderer())
        await server.stop(0)
        stream = OrdererStream(channel)
        try:
            await stream.send(common_pb2.Envelope(payload=b"x"), 30)
        except grpc.aio.AioRpcError as exc:
            return exc.code()
        finally:
            await stream.close()
            await channel.close()
        raise AssertionError("send to a stopped orderer succeeded")

    assert asyncio.run(run()) == grpc.StatusCode.UNAVAILABLE
