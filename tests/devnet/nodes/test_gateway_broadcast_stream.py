"""The gateway's long-lived Broadcast stream: concurrent submits share one stream, each gets its own
response (matched by position), and a stream the orderer ends is replaced by the next submit."""

from __future__ import annotations

import asyncio

import grpc
from fabric_protos.common import common_pb2

from devnet.nodes.echo_orderer import EchoOrderer, echo_stream, serve
from network.devnet.gatewaysvc.broadcaster import CLOSED_BY_ORDERER, OrdererStream


def test_concurrent_submits_share_one_stream_and_get_their_own_response() -> None:
    async def run() -> list[tuple[int, str]]:
        orderer = EchoOrderer()
        async with echo_stream(orderer) as stream:
            sends = [stream.send(common_pb2.Envelope(payload=b"tx%d" % i), 30) for i in range(40)]
            outcomes = await asyncio.gather(*sends)
            assert orderer.streams == 1
            return outcomes

    outcomes = asyncio.run(run())
    assert outcomes == [(common_pb2.SUCCESS, f"tx{i}") for i in range(40)]


def test_stream_ended_by_the_orderer_is_reported_and_reopened() -> None:
    async def run() -> None:
        orderer = EchoOrderer(per_stream=1)
        async with echo_stream(orderer) as stream:
            assert await stream.send(common_pb2.Envelope(payload=b"a"), 30) == (common_pb2.SUCCESS, "a")
            assert await stream.send(common_pb2.Envelope(payload=b"b"), 30) == CLOSED_BY_ORDERER
            assert await stream.send(common_pb2.Envelope(payload=b"c"), 30) == (common_pb2.SUCCESS, "c")
            assert orderer.streams == 2

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
