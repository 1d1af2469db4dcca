"""A stand-in orderer for the gateway's Broadcast-stream tests: it answers envelopes in order, can end a
stream early and can leave one envelope unanswered, so each test can provoke the case it checks."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import grpc
from fabric_protos.common import common_pb2
from fabric_protos.orderer import ab_pb2, ab_pb2_grpc

from network.devnet.gatewaysvc.broadcaster import OrdererStream

SILENT = b"silent"


class EchoOrderer(ab_pb2_grpc.AtomicBroadcastServicer):
    """Answers each envelope with info = its payload; ends a stream after ``per_stream`` envelopes; never
    answers an envelope whose payload is ``SILENT`` (nor anything after it on that stream)."""

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
            if envelope.payload == SILENT:
                await asyncio.sleep(3600)
            answered += 1
            yield ab_pb2.BroadcastResponse(status=common_pb2.SUCCESS, info=envelope.payload.decode())


async def serve(orderer: EchoOrderer) -> tuple[grpc.aio.Server, grpc.aio.Channel]:
    server = grpc.aio.server()
    ab_pb2_grpc.add_AtomicBroadcastServicer_to_server(orderer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    return server, grpc.aio.insecure_channel(f"127.0.0.1:{port}")


@contextlib.asynccontextmanager
async def echo_stream(orderer: EchoOrderer) -> AsyncIterator[OrdererStream]:
    """The gateway's Broadcast stream to ``orderer`` served on a free loopback port; stream, channel and
    server are closed afterwards whatever the test did."""
    server, channel = await serve(orderer)
    stream = OrdererStream(channel)
    try:
        yield stream
    finally:
        await stream.close()
        await channel.close()
        await server.stop(0)
