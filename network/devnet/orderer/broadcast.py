"""``orderer.AtomicBroadcast`` servicer: Broadcast and Deliver (``orderer/common/server/server.go``).

Broadcast answers every envelope with one ``BroadcastResponse`` (``orderer/common/broadcast/broadcast.go``
``ProcessMessage``): unknown channel or undecodable header -> BAD_REQUEST; CONFIG/ORDERER_TRANSACTION sent
directly -> BAD_REQUEST; filter rejections as in :mod:`msgfilter`; a CONFIG_UPDATE that passes the filters
is applied by :mod:`configupdate` (refusal -> BAD_REQUEST) and ordered as its own config block; ordering
failure -> SERVICE_UNAVAILABLE; otherwise SUCCESS once the envelope is durable. Deliver needs
``/Channel/Readers``.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
from fabric_protos.common import common_pb2
from fabric_protos.orderer import ab_pb2, ab_pb2_grpc

from network.devnet.deliver.handler import BlockSource, DeliverPolicy, handle_deliver
from network.devnet.deliver.seekinfo import DeliverRequest
from network.devnet.node import jsonlog
from network.devnet.orderer.blocks import envelope_header, is_config_block
from network.devnet.orderer.chain import OrdererChain
from network.devnet.orderer.configupdate import ConfigUpdateError
from network.devnet.orderer.msgfilter import admit_normal_message

log = logging.getLogger("devnet.orderer.broadcast")
READERS_POLICY = "/Channel/Readers"
MAX_PIPELINED = 1000
"""Envelopes of one Broadcast stream being processed at once; reading the stream pauses beyond this."""


def _response(status: int, info: str = "") -> ab_pb2.BroadcastResponse:
    return ab_pb2.BroadcastResponse(status=status, info=info)


def header_only(block: common_pb2.Block) -> common_pb2.Block:
    """HEADER_WITH_SIG content: the block without its data, except config blocks (``deliver.go``)."""
    if is_config_block(block):
        return block
    stripped = common_pb2.Block()
    stripped.CopyFrom(block)
    stripped.ClearField("data")
    return stripped


def _orderer_block_response(
    block: common_pb2.Block, seek: ab_pb2.SeekInfo, source: BlockSource, request: DeliverRequest
) -> ab_pb2.DeliverResponse:
    if seek.content_type == ab_pb2.SeekInfo.HEADER_WITH_SIG:
        block = header_only(block)
    return ab_pb2.DeliverResponse(block=block)


ORDERER_DELIVER = DeliverPolicy(
    policy_path=lambda source: READERS_POLICY,
    block_response=_orderer_block_response,
    status_response=lambda status: ab_pb2.DeliverResponse(status=status),
)


@dataclass(frozen=True)
class Ordering:
    """An admitted envelope waiting for the WAL write that lets it outlive a crash of the orderer."""

    durable: asyncio.Future[None]
    channel_id: str


Admission = ab_pb2.BroadcastResponse | Ordering | asyncio.Future[ab_pb2.BroadcastResponse]
"""A response known at admission, an envelope being ordered, or a config update being applied."""


def _retrieved(future: asyncio.Future[None]) -> None:
    if not future.cancelled():
        future.exception()  # a failure nobody awaits any more must not be logged as "never retrieved"


async def settle(admission: Admission) -> ab_pb2.BroadcastResponse:
    """The response of one admitted envelope: SUCCESS once durable, SERVICE_UNAVAILABLE if ordering failed."""
    if isinstance(admission, ab_pb2.BroadcastResponse):
        return admission
    if not isinstance(admission, Ordering):
        return await admission
    try:
        await admission.durable
    except Exception as exc:
        jsonlog.event(log, "ordering failed", logging.ERROR, channel=admission.channel_id, error=str(exc))
        return _response(common_pb2.SERVICE_UNAVAILABLE, f"cannot order: {exc}")
    return _response(common_pb2.SUCCESS)


class AtomicBroadcast(ab_pb2_grpc.AtomicBroadcastServicer):
    def __init__(self, chains: dict[str, OrdererChain]) -> None:
        self.chains = chains

    async def process(self, envelope: common_pb2.Envelope) -> ab_pb2.BroadcastResponse:
        """The BroadcastResponse for one envelope (``ProcessMessage``)."""
        return await settle(self.admit(envelope))

    def admit(self, envelope: common_pb2.Envelope) -> Admission:
        """Run every admission check now; an admitted envelope is queued for ordering at once (its position
        is fixed here, in arrival order) and its response comes when its WAL write settles."""
        try:
            _, chdr = envelope_header(envelope)
        except ValueError as exc:
            return _response(common_pb2.BAD_REQUEST, f"could not determine channel ID: {exc}")
        chain = self.chains.get(chdr.channel_id)
        if chain is None:
            return _response(common_pb2.BAD_REQUEST, f"channel {chdr.channel_id!r} does not exist")
        if chdr.type in (common_pb2.CONFIG, common_pb2.ORDERER_TRANSACTION):
            return _response(common_pb2.BAD_REQUEST, "message is of type that cannot be processed directly")
        rejection = admit_normal_message(envelope, chain.bundle, datetime.datetime.now(datetime.UTC))
        if rejection is not None:
            jsonlog.event(
                log,
                "broadcast rejected",
                channel=chdr.channel_id,
                txid=chdr.tx_id,
                status=rejection.status,
                reason=rejection.info,
            )
            return _response(rejection.status, rejection.info)
        if chdr.type == common_pb2.CONFIG_UPDATE:
            return asyncio.ensure_future(self.process_config_update(chain, envelope))
        return Ordering(chain.submit(envelope.SerializeToString()), chdr.channel_id)

    async def process_config_update(
        self, chain: OrdererChain, envelope: common_pb2.Envelope
    ) -> ab_pb2.BroadcastResponse:
        """``ProcessConfigUpdateMsg`` then ``Configure``: refused updates are BAD_REQUEST."""
        payload, _ = envelope_header(envelope)
        try:
            await chain.configure(envelope, payload.data)
        except ConfigUpdateError as exc:
            info = f"error applying config update to existing channel '{chain.channel_id}': {exc}"
            jsonlog.event(log, "config update rejected", channel=chain.channel_id, reason=str(exc))
            return _response(common_pb2.BAD_REQUEST, info)
        except Exception as exc:
            jsonlog.event(log, "config update failed", logging.ERROR, channel=chain.channel_id, error=str(exc))
            return _response(common_pb2.SERVICE_UNAVAILABLE, f"cannot order config update: {exc}")
        return _response(common_pb2.SUCCESS)

    async def Broadcast(  # noqa: N802 - gRPC method name
        self, request_iterator: AsyncIterator[common_pb2.Envelope], context: grpc.aio.ServicerContext
    ) -> AsyncIterator[ab_pb2.BroadcastResponse]:
        """One response per envelope, in the order received, with envelopes processed pipelined.

        Fabric's handler answers each envelope on the stream in order (``broadcast.go`` ``Handle``), and
        an etcdraft leader answers once the envelope is queued for consensus, so a long-lived stream (the
        gateway keeps one per orderer) is not limited to one envelope per disk sync. Here SUCCESS means
        "written to the WAL", so envelopes of one stream are admitted and ordered concurrently -- each starts in
        arrival order, which fixes its position in the WAL -- and their responses are written in order.
        """
        in_flight = asyncio.Semaphore(MAX_PIPELINED)
        queue: asyncio.Queue[Admission | None] = asyncio.Queue()

        async def read_requests() -> None:
            try:
                async for envelope in request_iterator:
                    await in_flight.acquire()
                    queue.put_nowait(self.admit(envelope))
            finally:
                queue.put_nowait(None)

        reader = asyncio.create_task(read_requests())
        try:
            while (admission := await queue.get()) is not None:
                response = await settle(admission)
                in_flight.release()
                yield response
            await reader  # surfaces a failed read (e.g. the client cancelled) as before
        finally:
            reader.cancel()
            while not queue.empty():
                leftover = queue.get_nowait()
                if isinstance(leftover, asyncio.Future):
                    leftover.cancel()  # a config update nobody will hear about
                elif isinstance(leftover, Ordering):  # the caller is gone; a logged envelope is still ordered
                    leftover.durable.add_done_callback(_retrieved)

    async def Deliver(  # noqa: N802 - gRPC method name
        self, request_iterator: AsyncIterator[common_pb2.Envelope], context: grpc.aio.ServicerContext
    ) -> AsyncIterator[ab_pb2.DeliverResponse]:
        async for response in handle_deliver(request_iterator, self.chains.get, ORDERER_DELIVER):
            yield response
