"""Reading and checking a Deliver request envelope (``common/deliver/deliver.go`` ``deliverBlocks``).

The checks run in Fabric's order and each maps to Fabric's status: an undecodable payload, header or
channel header, or a timestamp outside the time window -> BAD_REQUEST; an unknown channel -> NOT_FOUND; a
failed ACL -> FORBIDDEN; a SeekInfo without start or stop, or with stop before start -> BAD_REQUEST.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from fabric_protos.common import common_pb2
from fabric_protos.orderer import ab_pb2

# peer.authentication.timewindow and General.Authentication.TimeWindow both default to 15m.
TIME_WINDOW = datetime.timedelta(minutes=15)


class DeliverRequestError(Exception):
    """A request the handler must answer with ``status`` and then keep reading the stream."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class DeliverRequest:
    envelope: common_pb2.Envelope
    channel_header: common_pb2.ChannelHeader
    signature_header: common_pb2.SignatureHeader
    payload_data: bytes


def parse_request(envelope: common_pb2.Envelope) -> DeliverRequest:
    try:
        payload = common_pb2.Payload.FromString(envelope.payload)
    except Exception as exc:
        raise DeliverRequestError(common_pb2.BAD_REQUEST, f"error unmarshalling payload: {exc}") from exc
    if not payload.HasField("header"):
        raise DeliverRequestError(common_pb2.BAD_REQUEST, "envelope has no header")
    try:
        chdr = common_pb2.ChannelHeader.FromString(payload.header.channel_header)
        shdr = common_pb2.SignatureHeader.FromString(payload.header.signature_header)
    except Exception as exc:
        raise DeliverRequestError(common_pb2.BAD_REQUEST, f"error unmarshalling header: {exc}") from exc
    return DeliverRequest(envelope, chdr, shdr, payload.data)


def check_timestamp(chdr: common_pb2.ChannelHeader, now: datetime.datetime, window: datetime.timedelta) -> None:
    """Replay protection: the request must be stamped within ``window`` of the server clock."""
    if not chdr.HasField("timestamp"):
        raise DeliverRequestError(common_pb2.BAD_REQUEST, "channel header in envelope must contain timestamp")
    stamped = chdr.timestamp.ToDatetime(tzinfo=datetime.UTC)
    if abs(stamped - now) > window:
        raise DeliverRequestError(
            common_pb2.BAD_REQUEST,
            f"envelope timestamp {stamped.isoformat()} is more than {window} apart from current server time",
        )


def parse_seek_info(data: bytes) -> ab_pb2.SeekInfo:
    try:
        seek = ab_pb2.SeekInfo.FromString(data)
    except Exception as exc:
        raise DeliverRequestError(common_pb2.BAD_REQUEST, f"malformed seekInfo payload: {exc}") from exc
    if not seek.HasField("start") or not seek.HasField("stop"):
        raise DeliverRequestError(common_pb2.BAD_REQUEST, "seekInfo missing start or stop")
    return seek


def start_number(start: ab_pb2.SeekPosition, height: int) -> int | None:
    """Resolve the start position (``fileledger`` ``Iterator``); ``None`` means NOT_FOUND.

    A specified block beyond the current height is not found at once, while the height itself is waited
    for; ``next_commit`` is not a position the block ledger understands.
    """
    kind = start.WhichOneof("Type")
    if kind == "oldest":
        return 0
    if kind == "newest":
        return height - 1
    if kind == "specified":
        return start.specified.number if start.specified.number <= height else None
    return None


def stop_number(seek: ab_pb2.SeekInfo, start: int, height: int) -> int:
    """Resolve the stop position; a specified stop before the start is a BAD_REQUEST."""
    kind = seek.stop.WhichOneof("Type")
    if kind == "oldest":
        return start
    if kind == "newest":
        # Start and stop both "newest": exactly one block, even if the height grows meanwhile.
        if seek.start == seek.stop:
            return start
        return height - 1
    if kind == "specified":
        if seek.stop.specified.number < start:
            raise DeliverRequestError(common_pb2.BAD_REQUEST, "start number greater than stop number")
        return seek.stop.specified.number
    # next_commit or unset: the iterator never ends.
    return 2**64 - 1
