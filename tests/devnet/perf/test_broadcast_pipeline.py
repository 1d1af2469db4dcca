"""Broadcast on one stream: envelopes are processed concurrently but answered in arrival order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from fabric_protos.common import common_pb2
from fabric_protos.orderer import ab_pb2

from network.devnet.orderer.broadcast import Admission, AtomicBroadcast


class SlowFirst(AtomicBroadcast):
    """Envelope i takes longer the earlier it arrived, so completion order is the reverse of arrival.

    ``admit`` is where Broadcast hands each envelope over (in arrival order); the future it returns is what
    the stream waits on before answering, so overriding it exercises the real pipelining code."""

    def __init__(self, count: int) -> None:
        super().__init__({})
        self.count = count
        self.started: list[bytes] = []
        self.running = 0
        self.max_running = 0

    def admit(self, envelope: common_pb2.Envelope) -> Admission:
        self.started.append(envelope.payload)
        return asyncio.ensure_future(self._slow(envelope))

    async def _slow(self, envelope: common_pb2.Envelope) -> ab_pb2.BroadcastResponse:
        self.running += 1
        self.max_running = max(self.max_running, self.running)
        index = int(envelope.payload)
        for _ in range(self.count - index):  # event-loop turns, not wall time
            await asyncio.sleep(0)
        self.running -= 1
        return ab_pb2.BroadcastResponse(status=common_pb2.SUCCESS, info=envelope.payload.decode())


async def envelopes(count: int) -> AsyncIterator[common_pb2.Envelope]:
    for i in range(count):
        yield common_pb2.Envelope(payload=b"%d" % i)


def test_responses_keep_arrival_order_while_processing_overlaps() -> None:
    async def run() -> tuple[list[str], SlowFirst]:
        servicer = SlowFirst(20)
        replies = [r.info async for r in servicer.Broadcast(envelopes(20), None)]  # type: ignore[arg-type]
        return replies, servicer

    replies, servicer = asyncio.run(run())
    assert replies == [str(i) for i in range(20)]
    assert servicer.started == [b"%d" % i for i in range(20)]
    assert servicer.max_running > 1, "envelopes of one stream were processed strictly one after another"


def test_a_failing_envelope_ends_the_stream_after_earlier_replies() -> None:
    class Failing(AtomicBroadcast):
        def admit(self, envelope: common_pb2.Envelope) -> Admission:
            return asyncio.ensure_future(self._answer(envelope))

        async def _answer(self, envelope: common_pb2.Envelope) -> ab_pb2.BroadcastResponse:
            if envelope.payload == b"2":
                raise RuntimeError("boom")
            return ab_pb2.BroadcastResponse(status=common_pb2.SUCCESS, info=envelope.payload.decode())

    async def run() -> tuple[list[str], BaseException | None]:
        got: list[str] = []
        try:
            async for reply in Failing({}).Broadcast(envelopes(5), None):  # type: ignore[arg-type]
                got.append(reply.info)
        except RuntimeError as exc:
            return got, exc
        return got, None

    got, error = asyncio.run(run())
    assert got == ["0", "1"]
    assert isinstance(error, RuntimeError)
