"""Chaincode event requests (gateway ``ChaincodeEvents`` server stream; reference 10.1, 10.4).

Start position rules (``internal/pkg/gateway/chaincodeevents.go`` ``chaincodeEventsStartBlock``): when
``after_transaction_id`` names a transaction in the ledger, delivery restarts at its block and skips events up
to and including it; otherwise ``start_position`` applies, where only ``specified`` and ``next_commit`` are
allowed. A checkpoint therefore maps to ``specified(block) + after_transaction_id``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar

import grpc
from fabric_protos.gateway import gateway_pb2
from fabric_protos.orderer import ab_pb2

from gateway.client.checkpoint import Checkpointer
from gateway.client.context import ClientContext
from gateway.client.errors import ChaincodeEventsError, InvalidArgumentError, is_cancelled
from gateway.client.fields import require_name
from gateway.client.identity import Identity
from gateway.client.signable import with_signer
from gateway.client.signed_request import (
    OfflineSignableRequest,
    parse_signed_request,
    sign_request,
    unsigned_request,
)
from gateway.client.stream import CancellableStream


def start_position(start_block: int | None) -> ab_pb2.SeekPosition:
    """``specified`` at ``start_block``, or ``next_commit`` when none is given (chaincode and block events alike)."""
    if start_block is None:
        return ab_pb2.SeekPosition(next_commit=ab_pb2.SeekNextCommit())
    if isinstance(start_block, bool) or not isinstance(start_block, int) or start_block < 0:
        raise InvalidArgumentError("start_block", "must be a non-negative integer")
    return ab_pb2.SeekPosition(specified=ab_pb2.SeekSpecified(number=start_block))


def chaincode_events_request(
    identity: Identity,
    channel_id: str,
    chaincode_name: str,
    start_block: int | None = None,
    after_transaction_id: str = "",
) -> gateway_pb2.ChaincodeEventsRequest:
    require_name("channel_id", channel_id)
    require_name("chaincode_name", chaincode_name)
    if not isinstance(after_transaction_id, str):
        raise InvalidArgumentError("after_transaction_id", "must be a string")
    return gateway_pb2.ChaincodeEventsRequest(
        channel_id=channel_id,
        chaincode_id=chaincode_name,
        identity=identity.serialize(),
        start_position=start_position(start_block),
        after_transaction_id=after_transaction_id,
    )


#: ``chaincode_events_request`` signed by ``signer`` (passed after the identity), ready for the gateway.
signed_chaincode_events_request = with_signer(
    chaincode_events_request, partial(sign_request, gateway_pb2.SignedChaincodeEventsRequest)
)


@dataclass(frozen=True)
class ChaincodeEvent:
    block_number: int
    transaction_id: str
    chaincode_name: str
    event_name: str
    payload: bytes


def resume_position(start_block: int | None, checkpoint: Checkpointer | None) -> tuple[int | None, str]:
    """A checkpoint with progress wins over ``start_block`` (as in the official clients)."""
    if checkpoint is not None and checkpoint.block_number is not None:
        return checkpoint.block_number, checkpoint.transaction_id
    return start_block, ""


def events_of(response: gateway_pb2.ChaincodeEventsResponse) -> list[ChaincodeEvent]:
    return [
        ChaincodeEvent(response.block_number, e.tx_id, e.chaincode_id, e.event_name, bytes(e.payload))
        for e in response.events
    ]


class ChaincodeEventIterator(CancellableStream):
    """Events in commit order from a live server stream; ``close()`` (or ``with``) cancels the stream."""

    def __init__(self, call: Iterator[gateway_pb2.ChaincodeEventsResponse]) -> None:
        self._call = call
        self._pending: list[ChaincodeEvent] = []

    def __iter__(self) -> ChaincodeEventIterator:
        return self

    def __next__(self) -> ChaincodeEvent:
        while not self._pending:
            try:
                response = next(self._call)
            except grpc.RpcError as error:
                if is_cancelled(error):
                    raise StopIteration from None
                raise ChaincodeEventsError.from_rpc_error(error) from error
            self._pending = events_of(response)
        return self._pending.pop(0)


EventIterator = TypeVar("EventIterator")


class ChaincodeEventsRequestBase(
    OfflineSignableRequest[gateway_pb2.SignedChaincodeEventsRequest], Generic[EventIterator]
):
    """A chaincode events request, both flavours; ``bytes``/``digest`` allow signing it offline. Opening the
    server stream is the same call on either kind of channel; only reading it differs (``iterator``)."""

    signature_field = "events_request"
    iterator: Callable[[Any], EventIterator]

    def get_events(self, timeout: float | None = None) -> EventIterator:
        return self.iterator(self._context.stub.ChaincodeEvents(self.signed_request(), timeout=timeout))


class ChaincodeEventsRequest(ChaincodeEventsRequestBase[ChaincodeEventIterator]):
    iterator = ChaincodeEventIterator


def new_events_request(
    context: ClientContext,
    channel_id: str,
    chaincode_name: str,
    start_block: int | None = None,
    checkpoint: Checkpointer | None = None,
) -> gateway_pb2.SignedChaincodeEventsRequest:
    block, after_tx = resume_position(start_block, checkpoint)
    request = chaincode_events_request(context.identity, channel_id, chaincode_name, block, after_tx)
    return unsigned_request(gateway_pb2.SignedChaincodeEventsRequest, request)


def parse_signed_events_request(data: bytes, signature: bytes) -> gateway_pb2.SignedChaincodeEventsRequest:
    """Inverse of ``ChaincodeEventsRequest.bytes`` with the offline signature attached."""
    return parse_signed_request(gateway_pb2.SignedChaincodeEventsRequest, data, signature)
