"""Block events from the peer's ``Deliver`` service (``protos.Deliver``; reference 10.5).

The request is an ``Envelope`` whose payload has a DELIVER_SEEK_INFO channel header and carries an
``ab.SeekInfo`` (``protoutil.CreateSignedEnvelopeWithTLSBinding``; ``common/deliver/deliver.go``). The stream
is open-ended: start at a block (or the next commit), stop at the largest block number, waiting for new
blocks (BLOCK_UNTIL_READY). The peer ends the stream with a final ``DeliverResponse{status}``; anything but
SUCCESS is an error. Block checkpoints resume at ``checkpoint.block_number`` (transaction IDs do not apply).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Literal

import grpc
from fabric_protos.common import common_pb2
from fabric_protos.orderer import ab_pb2
from fabric_protos.peer import events_pb2

from gateway.client.checkpoint import Checkpointer
from gateway.client.context import ClientContext
from gateway.client.errors import BlockEventsError, InvalidArgumentError, is_cancelled
from gateway.client.events import start_position
from gateway.client.fields import decode_bytes, require_name, require_nonempty
from gateway.client.identity import Identity
from gateway.client.proposal import Timestamp, to_timestamp
from gateway.client.signable import OfflineSignable
from gateway.client.stream import CancellableStream
from gateway.client.txid import new_nonce

BlockKind = Literal["block", "filtered", "private"]
MAX_BLOCK = 2**64 - 1


def open_ended_seek(start_block: int | None) -> ab_pb2.SeekInfo:
    """From ``start_block`` (or the next commit) to the end of time, waiting for blocks as they come."""
    return ab_pb2.SeekInfo(
        start=start_position(start_block),
        stop=ab_pb2.SeekPosition(specified=ab_pb2.SeekSpecified(number=MAX_BLOCK)),
        behavior=ab_pb2.SeekInfo.BLOCK_UNTIL_READY,
    )


def seek_payload(
    identity: Identity,
    channel_id: str,
    seek: ab_pb2.SeekInfo,
    timestamp: Timestamp = None,
    tls_cert_hash: bytes = b"",
) -> bytes:
    """Payload of a deliver request; its timestamp must be within the peer's 15-minute window."""
    require_name("channel_id", channel_id)
    channel_header = common_pb2.ChannelHeader(
        type=common_pb2.HeaderType.DELIVER_SEEK_INFO,
        channel_id=channel_id,
        timestamp=to_timestamp(timestamp),
        epoch=0,
        tls_cert_hash=tls_cert_hash,
    )
    signature_header = common_pb2.SignatureHeader(creator=identity.serialize(), nonce=new_nonce())
    return common_pb2.Payload(
        header=common_pb2.Header(
            channel_header=channel_header.SerializeToString(),
            signature_header=signature_header.SerializeToString(),
        ),
        data=seek.SerializeToString(),
    ).SerializeToString()


def block_of(response: events_pb2.DeliverResponse, kind: BlockKind) -> object | None:
    """The block a response carries, ``None`` for the terminal status; a failure status raises."""
    which = response.WhichOneof("Type")
    if which == "status":
        if response.status == common_pb2.Status.SUCCESS:
            return None
        name = common_pb2.Status.Name(response.status) if response.status in common_pb2.Status.values() else ""
        raise BlockEventsError(f"deliver ended with status {response.status} {name}", grpc.StatusCode.UNKNOWN)
    expected = {"block": "block", "filtered": "filtered_block", "private": "block_and_private_data"}[kind]
    if which != expected:
        raise BlockEventsError(f"unexpected deliver response {which!r}", grpc.StatusCode.UNKNOWN)
    return getattr(response, which)


class BlockEventIterator(CancellableStream):
    """Blocks (``common.Block``, ``FilteredBlock`` or ``BlockAndPrivateData``) in order; ``close()`` cancels."""

    def __init__(self, call: Iterator[events_pb2.DeliverResponse], kind: BlockKind) -> None:
        self._call = call
        self._kind = kind
        self._done = False

    def __iter__(self) -> BlockEventIterator:
        return self

    def __next__(self) -> object:
        if self._done:
            raise StopIteration
        try:
            response = next(self._call)
        except StopIteration:
            self._done = True
            raise
        except grpc.RpcError as error:
            self._done = True
            if is_cancelled(error):
                raise StopIteration from None
            raise BlockEventsError.from_rpc_error(error) from error
        block = block_of(response, self._kind)
        if block is None:
            self._done = True
            raise StopIteration
        return block


class BlockEventsRequest(OfflineSignable[common_pb2.Envelope]):
    """A signed or unsigned deliver request; ``bytes`` (Envelope) and ``digest`` allow offline signing."""

    signature_field = "block_events_request"

    def __init__(self, context: ClientContext, envelope: common_pb2.Envelope, kind: BlockKind = "block") -> None:
        if kind not in ("block", "filtered", "private"):
            raise InvalidArgumentError("kind", "must be 'block', 'filtered' or 'private'")
        super().__init__(context, envelope, envelope, envelope.payload)
        self.kind = kind

    def _with_signature(self, signature: bytes) -> common_pb2.Envelope:
        return common_pb2.Envelope(payload=self._signed_bytes, signature=signature)

    def signed_envelope(self) -> common_pb2.Envelope:
        """The envelope as sent, signed by the configured signer unless it carries its own signature."""
        return self._signed()

    def deliver_method(self) -> Callable[..., Any]:
        """The ``Deliver`` RPC matching ``kind`` on the context's stub (sync or aio alike)."""
        stub = self._context.deliver
        if stub is None:
            raise InvalidArgumentError("client", "no gRPC channel for the peer Deliver service")
        return {"block": stub.Deliver, "filtered": stub.DeliverFiltered, "private": stub.DeliverWithPrivateData}[
            self.kind
        ]

    def get_events(self, timeout: float | None = None) -> BlockEventIterator:
        return BlockEventIterator(self.deliver_method()(iter([self.signed_envelope()]), timeout=timeout), self.kind)


def new_block_events_envelope(
    context: ClientContext, channel_id: str, start_block: int | None, checkpoint: Checkpointer | None
) -> common_pb2.Envelope:
    if checkpoint is not None and checkpoint.block_number is not None:
        start_block = checkpoint.block_number
    return common_pb2.Envelope(payload=seek_payload(context.identity, channel_id, open_ended_seek(start_block)))


def parse_signed_block_events_request(data: bytes, signature: bytes) -> common_pb2.Envelope:
    envelope = decode_bytes(common_pb2.Envelope, data)
    return common_pb2.Envelope(payload=envelope.payload, signature=require_nonempty("signature", signature))
