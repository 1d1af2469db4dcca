"""The Deliver stream loop shared by the orderer and the peer (``common/deliver/deliver.go`` ``Handle``).

Every envelope read from the stream is one request; its blocks are streamed and then one final status
response is sent (SUCCESS after the stop block, otherwise the error status). The stream then waits for the
next request until the client half-closes.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from fabric_protos.common import common_pb2
from fabric_protos.orderer import ab_pb2

from network.devnet.deliver.seekinfo import (
    TIME_WINDOW,
    DeliverRequest,
    DeliverRequestError,
    check_timestamp,
    parse_request,
    parse_seek_info,
    start_number,
    stop_number,
)
from network.devnet.node import jsonlog
from network.devnet.policy import SignedData

log = logging.getLogger("devnet.deliver")


class BlockSource(Protocol):
    """What a channel must offer to be delivered from."""

    @property
    def height(self) -> int: ...

    @property
    def bundle(self) -> Any: ...

    def get_block(self, number: int) -> common_pb2.Block: ...

    async def wait_for_height(self, height: int) -> None: ...


@dataclass(frozen=True)
class DeliverPolicy:
    """How a deliver service authorises a session and shapes its responses."""

    policy_path: Callable[[BlockSource], str]
    block_response: Callable[[common_pb2.Block, ab_pb2.SeekInfo, BlockSource, DeliverRequest], Any]
    status_response: Callable[[int], Any]


def now_utc() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def authorize(request: DeliverRequest, source: BlockSource, policy_path: str, now: datetime.datetime) -> None:
    """Session ACL (``common/deliver/acl.go``): creator not expired and the signature satisfies the policy."""
    bundle = source.bundle
    try:
        identity = bundle.msp_manager.deserialize_identity(request.signature_header.creator)
    except Exception as exc:
        raise DeliverRequestError(common_pb2.FORBIDDEN, f"creator: {exc}") from exc
    if identity.expired(now):
        raise DeliverRequestError(common_pb2.FORBIDDEN, "deliver client identity expired")
    signed = [
        SignedData(
            data=request.envelope.payload,
            identity=request.signature_header.creator,
            signature=request.envelope.signature,
        )
    ]
    if not bundle.policy(policy_path).evaluate(signed):
        raise DeliverRequestError(common_pb2.FORBIDDEN, f"access denied: policy {policy_path} not satisfied")


async def deliver_one(
    envelope: common_pb2.Envelope,
    lookup: Callable[[str], BlockSource | None],
    policy: DeliverPolicy,
) -> AsyncIterator[Any]:
    """Serve one request envelope: its blocks, then its final status."""
    try:
        request = parse_request(envelope)
        check_timestamp(request.channel_header, now_utc(), TIME_WINDOW)
        source = lookup(request.channel_header.channel_id)
        if source is None:
            raise DeliverRequestError(common_pb2.NOT_FOUND, f"channel {request.channel_header.channel_id!r} not found")
        path = policy.policy_path(source)
        authorize(request, source, path, now_utc())
        seek = parse_seek_info(request.payload_data)
        number = start_number(seek.start, source.height)
        if number is None:
            raise DeliverRequestError(common_pb2.NOT_FOUND, "start position not found")
        stop = stop_number(seek, number, source.height)
        while True:
            if seek.behavior == ab_pb2.SeekInfo.FAIL_IF_NOT_READY and number > source.height - 1:
                raise DeliverRequestError(common_pb2.NOT_FOUND, f"block {number} not yet available")
            await source.wait_for_height(number + 1)
            block = source.get_block(number)
            authorize(request, source, path, now_utc())
            yield policy.block_response(block, seek, source, request)
            if number == stop:
                break
            number += 1
    except DeliverRequestError as exc:
        jsonlog.event(log, "deliver request rejected", status=exc.status, reason=str(exc))
        yield policy.status_response(exc.status)
        return
    yield policy.status_response(common_pb2.SUCCESS)


async def handle_deliver(
    requests: AsyncIterator[common_pb2.Envelope],
    lookup: Callable[[str], BlockSource | None],
    policy: DeliverPolicy,
) -> AsyncIterator[Any]:
    """The bidirectional stream: one :func:`deliver_one` per request envelope, until the client closes."""
    async for envelope in requests:
        async for response in deliver_one(envelope, lookup, policy):
            yield response
