"""Building the signed SeekInfo envelope a Deliver client sends.

``protoutil.CreateSignedEnvelopeWithTLSBinding(DELIVER_SEEK_INFO, channel, signer, seekInfo, 0, 0, hash)``:
a channel header without a txid, stamped now, a signature header with the client's identity and a fresh
nonce, and the signature over the payload bytes. The peer's block puller and the tests both use it.
"""

from __future__ import annotations

import datetime

from fabric_protos.common import common_pb2
from fabric_protos.orderer import ab_pb2
from google.protobuf import timestamp_pb2

from gateway.client.identity import Signer
from gateway.client.txid import new_nonce

MAX_BLOCK = 2**64 - 1


def seek_specified(number: int) -> ab_pb2.SeekPosition:
    return ab_pb2.SeekPosition(specified=ab_pb2.SeekSpecified(number=number))


def seek_newest() -> ab_pb2.SeekPosition:
    return ab_pb2.SeekPosition(newest=ab_pb2.SeekNewest())


def seek_oldest() -> ab_pb2.SeekPosition:
    return ab_pb2.SeekPosition(oldest=ab_pb2.SeekOldest())


def seek_info(
    start: ab_pb2.SeekPosition, stop: ab_pb2.SeekPosition, behavior: int = ab_pb2.SeekInfo.BLOCK_UNTIL_READY
) -> ab_pb2.SeekInfo:
    return ab_pb2.SeekInfo(start=start, stop=stop, behavior=behavior)


def seek_envelope(
    channel_id: str,
    seek: ab_pb2.SeekInfo,
    creator: bytes,
    sign: Signer,
    tls_cert_hash: bytes = b"",
    now: datetime.datetime | None = None,
) -> common_pb2.Envelope:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(now or datetime.datetime.now(datetime.UTC))
    chdr = common_pb2.ChannelHeader(
        type=common_pb2.DELIVER_SEEK_INFO, channel_id=channel_id, timestamp=stamp, tls_cert_hash=tls_cert_hash
    )
    shdr = common_pb2.SignatureHeader(creator=creator, nonce=new_nonce())
    payload = common_pb2.Payload(
        header=common_pb2.Header(channel_header=chdr.SerializeToString(), signature_header=shdr.SerializeToString()),
        data=seek.SerializeToString(),
    ).SerializeToString()
    return common_pb2.Envelope(payload=payload, signature=sign(payload))
