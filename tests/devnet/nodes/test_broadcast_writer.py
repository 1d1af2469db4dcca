"""The gateway's Broadcast stream is written by one writer task: a Submit whose caller goes away while its
envelope is being written does not cancel the stream the other Submits share, and a response that does not
come in time fails only its own Submit."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from fabric_protos.common import common_pb2

from devnet.nodes.echo_orderer import EchoOrderer, echo_stream


def test_cancelled_submit_does_not_tear_down_the_shared_stream() -> None:
    async def run() -> None:
        orderer = EchoOrderer()
        async with echo_stream(orderer) as stream:
            assert await stream.send(common_pb2.Envelope(payload=b"first"), 30) == (common_pb2.SUCCESS, "first")
            abandoned = asyncio.create_task(stream.send(common_pb2.Envelope(payload=b"abandoned"), 30))
            await asyncio.sleep(0)  # queued; the writer task (not this caller) writes it
            abandoned.cancel()
            with pytest.raises(asyncio.CancelledError):
                await abandoned
            outcomes = await asyncio.gather(
                *(stream.send(common_pb2.Envelope(payload=b"n%d" % i), 30) for i in range(5))
            )
            assert outcomes == [(common_pb2.SUCCESS, f"n{i}") for i in range(5)]
            assert orderer.streams == 1 and stream.open

    asyncio.run(run())


def test_missing_response_times_out_only_its_own_submit() -> None:
    async def run() -> None:
        orderer = EchoOrderer()
        async with echo_stream(orderer) as stream:
            with pytest.raises(grpc.aio.AioRpcError) as info:
                await stream.send(common_pb2.Envelope(payload=b"silent"), 0.2)
            assert info.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
            assert stream.open  # the stream itself is still usable for later writes

    asyncio.run(run())
