"""Long-lived Broadcast streams from the gateway to the orderers.

Fabric's gateway keeps one connection per orderer and reuses it for every Submit (``internal/pkg/gateway/
registry.go`` keeps ``orderers`` as long-lived clients); opening a Broadcast stream per transaction costs
both sides a stream setup and teardown. One stream carries many envelopes: the orderer answers each with
one BroadcastResponse in the order received (``orderer/common/broadcast/broadcast.go`` ``Handle``), so the
n-th response belongs to the n-th envelope written. A broken stream fails every envelope still waiting and
is re-opened by the next Submit.
"""

from __future__ import annotations

import asyncio
import collections

import grpc
from fabric_protos.common import common_pb2
from fabric_protos.orderer import ab_pb2, ab_pb2_grpc

Outcome = tuple[int, str]  # (common.Status, info)
CLOSED_BY_ORDERER: Outcome = (common_pb2.SERVICE_UNAVAILABLE, "orderer closed the stream")


def rpc_error(code: grpc.StatusCode, details: str) -> grpc.aio.AioRpcError:
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata(), details=details)


def _retrieve(future: asyncio.Future[Outcome]) -> None:
    if not future.cancelled():
        future.exception()


def _time_out(outcome: asyncio.Future[Outcome]) -> None:
    if not outcome.done():
        outcome.set_exception(rpc_error(grpc.StatusCode.DEADLINE_EXCEEDED, "no broadcast response in time"))


class OrdererStream:
    """One Broadcast stream shared by concurrent submits; responses matched to envelopes by position."""

    def __init__(self, channel: grpc.aio.Channel) -> None:
        self._channel = channel
        self._call: grpc.aio.StreamStreamCall | None = None
        self._waiting: collections.deque[asyncio.Future[Outcome]] = collections.deque()
        self._outbox: collections.deque[common_pb2.Envelope] = collections.deque()
        self._writer: asyncio.Task[None] | None = None
        self._reader: asyncio.Task[None] | None = None

    @property
    def open(self) -> bool:
        return self._call is not None

    async def send(self, envelope: common_pb2.Envelope, timeout: float) -> Outcome:
        """Queue one envelope and wait for its response. Raises ``grpc.aio.AioRpcError`` when the stream
        fails (every envelope waiting on it gets the same error) or the response does not come in time.

        A single writer task drains the queue (write order == queue order == response order). The caller
        never writes itself: grpc.aio cancels the *whole call* when the writing task is cancelled, and a
        Submit whose client went away must not break the stream every other Submit shares.
        """
        loop = asyncio.get_running_loop()
        outcome: asyncio.Future[Outcome] = loop.create_future()
        outcome.add_done_callback(_retrieve)  # a waiter that timed out must not log "never retrieved"
        if self._call is None:
            self._call = ab_pb2_grpc.AtomicBroadcastStub(self._channel).Broadcast()
            self._reader = asyncio.create_task(self._read_responses(self._call))
        self._waiting.append(outcome)
        self._outbox.append(envelope)
        if self._writer is None:
            self._writer = asyncio.create_task(self._drain(self._call))
        timer = loop.call_later(timeout, _time_out, outcome)
        try:
            return await outcome
        finally:
            timer.cancel()

    async def _drain(self, call: grpc.aio.StreamStreamCall) -> None:
        """Write queued envelopes on ``call`` until the queue is empty or the call was abandoned."""
        try:
            while self._outbox and call is self._call:
                await call.write(self._outbox.popleft())
        except grpc.aio.AioRpcError as exc:
            if call is self._call:
                self._fail(exc)
        except Exception as exc:  # e.g. InvalidStateError: the call finished underneath us
            if call is self._call:
                self._fail(rpc_error(grpc.StatusCode.UNAVAILABLE, f"broadcast stream broken: {exc}"))
        finally:
            if self._writer is asyncio.current_task():
                self._writer = None

    async def _read_responses(self, call: grpc.aio.StreamStreamCall) -> None:
        try:
            while True:
                reply = await call.read()
                if call is not self._call:
                    return  # this stream was abandoned; its waiters were already failed
                if reply is grpc.aio.EOF:
                    self._settle_all(CLOSED_BY_ORDERER)
                    return
                assert isinstance(reply, ab_pb2.BroadcastResponse)
                if self._waiting:
                    waiter = self._waiting.popleft()
                    if not waiter.done():
                        waiter.set_result((reply.status, reply.info))
        except grpc.aio.AioRpcError as exc:
            if call is self._call:
                self._fail(exc)
        except Exception as exc:
            if call is self._call:
                self._fail(rpc_error(grpc.StatusCode.UNAVAILABLE, f"broadcast stream broken: {exc}"))

    def _detach(self) -> None:
        """Abandon the current call: its queued envelopes are dropped (their waiters are being settled) and
        its writer, if any, stops at its next check; the next send opens a new call with a new writer."""
        if self._call is not None:
            self._call.cancel()
        self._call = None
        self._outbox.clear()
        self._writer = None

    def _settle_all(self, outcome: Outcome) -> None:
        self._detach()
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(outcome)

    def _fail(self, error: grpc.aio.AioRpcError) -> None:
        self._detach()
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_exception(error)

    async def close(self) -> None:
        tasks = [t for t in (self._reader, self._writer) if t is not None]
        self._fail(rpc_error(grpc.StatusCode.CANCELLED, "gateway closed the broadcast stream"))
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
