"""Broadcast admission rules for normal (non-config) messages on an application channel.

Order and error classes follow ``orderer/common/msgprocessor/standardchannel.go``
``CreateStandardChannelFilters`` and ``msgprocessor.go`` ``ClassifyError`` as used by
``orderer/common/broadcast/broadcast.go``:

=====================  ==============================================  ===============
rule                   source                                          status
=====================  ==============================================  ===============
empty reject           ``filter.go`` ``EmptyRejectRule``               BAD_REQUEST
expiration             ``expiration.go`` (orderer capability V1_1+)    BAD_REQUEST
size                   ``sizefilter.go`` (BatchSize.AbsoluteMaxBytes)  BAD_REQUEST
signature              ``sigfilter.go`` (``/Channel/Writers``)         FORBIDDEN
=====================  ==============================================  ===============

Each rule is a pure function of the envelope and the channel bundle that returns ``None`` or a
:class:`Rejection`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fabric_protos.common import common_pb2

from network.devnet.orderer.blocks import envelope_header
from network.devnet.policy import SignedData

WRITERS_POLICY = "/Channel/Writers"


@dataclass(frozen=True)
class Rejection:
    status: int
    info: str


def reject_empty(envelope: common_pb2.Envelope, bundle: Any, now: datetime.datetime) -> Rejection | None:
    """An envelope without a payload carries nothing to order (``EmptyRejectRule``)."""
    if not envelope.payload:
        return Rejection(common_pb2.BAD_REQUEST, "message was empty")
    return None


def _signature_header(envelope: common_pb2.Envelope) -> common_pb2.SignatureHeader:
    payload, _ = envelope_header(envelope)
    try:
        return common_pb2.SignatureHeader.FromString(payload.header.signature_header)
    except Exception as exc:
        raise ValueError(f"payload.header.signature_header: cannot decode: {exc}") from exc


def reject_expired_creator(envelope: common_pb2.Envelope, bundle: Any, now: datetime.datetime) -> Rejection | None:
    """A creator whose certificate is past NotAfter may not broadcast (``expiration.go`` ``Apply``).

    MSP validation deliberately ignores expiry, so this is the only place the orderer enforces it.
    """
    try:
        shdr = _signature_header(envelope)
        identity = bundle.msp_manager.deserialize_identity(shdr.creator)
    except Exception as exc:
        return Rejection(common_pb2.BAD_REQUEST, f"could not convert message to signedData: {exc}")
    if identity.expired(now):
        return Rejection(common_pb2.BAD_REQUEST, "broadcast client identity expired")
    return None


def message_byte_size(envelope: common_pb2.Envelope) -> int:
    """Size counted by the size filter: payload plus signature (``sizefilter.go`` ``messageByteSize``)."""
    return len(envelope.payload) + len(envelope.signature)


def reject_oversized(envelope: common_pb2.Envelope, bundle: Any, now: datetime.datetime) -> Rejection | None:
    limit = bundle.batch_size.absolute_max_bytes
    size = message_byte_size(envelope)
    if size > limit:
        return Rejection(
            common_pb2.BAD_REQUEST, f"message payload is {size} bytes and exceeds maximum allowed {limit} bytes"
        )
    return None


def reject_unauthorized(envelope: common_pb2.Envelope, bundle: Any, now: datetime.datetime) -> Rejection | None:
    """The envelope signer must satisfy ``/Channel/Writers`` (``sigfilter.go``; ``EnvelopeAsSignedData``)."""
    try:
        shdr = _signature_header(envelope)
    except ValueError as exc:
        return Rejection(common_pb2.BAD_REQUEST, str(exc))
    signed = [SignedData(data=envelope.payload, identity=shdr.creator, signature=envelope.signature)]
    if not bundle.policy(WRITERS_POLICY).evaluate(signed):
        return Rejection(common_pb2.FORBIDDEN, f"implicit policy evaluation failed for {WRITERS_POLICY}")
    return None


Rule = Callable[[common_pb2.Envelope, Any, datetime.datetime], Rejection | None]
STANDARD_CHANNEL_RULES: tuple[Rule, ...] = (reject_empty, reject_expired_creator, reject_oversized, reject_unauthorized)


def admit_normal_message(envelope: common_pb2.Envelope, bundle: Any, now: datetime.datetime) -> Rejection | None:
    """Apply the standard channel filters in Fabric's order; first rejection wins."""
    for rule in STANDARD_CHANNEL_RULES:
        rejection = rule(envelope, bundle, now)
        if rejection is not None:
            return rejection
    return None
