"""Applying a CONFIG_UPDATE on the orderer (``orderer/common/msgprocessor/standardchannel.go``
``ProcessConfigUpdateMsg``).

The rules themselves (read set, delta set, ``mod_policy`` authorisation, rebuilding the config at sequence + 1,
``ValidateNew``) are Fabric's single ``common/configtx/validator.go``, implemented once in
:mod:`network.devnet.channelconfig.update` and shared with the peer, which re-derives every config block from
its ``last_update`` and must reach the identical result. What is the orderer's own: decoding the broadcast
payload, and wrapping the new config into a CONFIG envelope it signs itself.
"""

from __future__ import annotations

import datetime

from fabric_protos.common import common_pb2, configtx_pb2
from google.protobuf import timestamp_pb2
from google.protobuf.message import DecodeError

from gateway.client.txid import new_nonce
from network.devnet.channelconfig import ChannelBundle
from network.devnet.channelconfig.update import ConfigUpdateError, next_config
from network.devnet.orderer.blockwriter import OrdererSigner

__all__ = ["ConfigUpdateError", "config_envelope", "propose_config_update"]


def propose_config_update(payload_data: bytes, bundle: ChannelBundle) -> configtx_pb2.Config:
    """The channel's next config from a CONFIG_UPDATE payload's data, or :class:`ConfigUpdateError`."""
    try:
        update_env = configtx_pb2.ConfigUpdateEnvelope.FromString(payload_data)
    except DecodeError as exc:
        raise ConfigUpdateError(f"cannot decode config update: {exc}") from exc
    return next_config(bundle, update_env)


def config_envelope(
    channel_id: str, config: configtx_pb2.Config, last_update: common_pb2.Envelope, signer: OrdererSigner
) -> common_pb2.Envelope:
    """The CONFIG transaction the orderer orders (``protoutil.CreateSignedEnvelope(CONFIG, ...)``)."""
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(datetime.datetime.now(datetime.UTC).replace(microsecond=0))
    chdr = common_pb2.ChannelHeader(type=common_pb2.CONFIG, channel_id=channel_id, timestamp=stamp)
    shdr = common_pb2.SignatureHeader(creator=signer.creator, nonce=new_nonce())
    data = configtx_pb2.ConfigEnvelope(config=config, last_update=last_update).SerializeToString()
    payload = common_pb2.Payload(
        header=common_pb2.Header(channel_header=chdr.SerializeToString(), signature_header=shdr.SerializeToString()),
        data=data,
    ).SerializeToString()
    return common_pb2.Envelope(payload=payload, signature=signer.sign(payload))
