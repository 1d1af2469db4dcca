"""Block events over the peer Deliver service: request layout, checkpoint resume, offline signing, close."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from fabric_protos.common import common_pb2
from fabric_protos.orderer import ab_pb2
from gwclient_server import FakeGateway, serve

from gateway.client import checkpointers, connect, ecdsa
from gateway.client.blocks import MAX_BLOCK
from gateway.client.errors import BlockEventsError


@pytest.fixture()
def fake(peers) -> Iterator[tuple[FakeGateway, grpc.Channel]]:
    servicer = FakeGateway(peers)
    server, port = serve(servicer)
    for _ in range(4):
        servicer.add_block([])
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    yield servicer, channel
    channel.close()
    server.stop(None)


def test_seek_envelope_layout_and_block_stream(fake, client) -> None:
    servicer, channel = fake
    identity, signer, key = client
    network = connect(channel, identity, signer).get_network("mychannel")
    assert [b.header.number for b in network.get_block_events(start_block=1)] == [1, 2, 3]

    env = servicer.deliver.envelopes[-1]
    assert ecdsa.verify(key.public_key(), env.payload, env.signature)
    payload = common_pb2.Payload.FromString(env.payload)
    chdr = common_pb2.ChannelHeader.FromString(payload.header.channel_header)
    assert chdr.type == common_pb2.HeaderType.DELIVER_SEEK_INFO and chdr.channel_id == "mychannel"
    assert chdr.epoch == 0 and chdr.timestamp.seconds > 0
    shdr = common_pb2.SignatureHeader.FromString(payload.header.signature_header)
    assert shdr.creator == identity.serialize() and len(shdr.nonce) == 24
    seek = ab_pb2.SeekInfo.FromString(payload.data)
    assert seek.start.specified.number == 1 and seek.stop.specified.number == MAX_BLOCK
    assert seek.behavior == ab_pb2.SeekInfo.BLOCK_UNTIL_READY


def test_filtered_blocks_resume_from_checkpoint(fake, client) -> None:
    _, channel = fake
    network = connect(channel, *client[:2]).get_network("mychannel")
    checkpoint = checkpointers.in_memory()
    checkpoint.checkpoint_block(1)
    blocks = list(network.get_block_events(start_block=0, checkpoint=checkpoint, kind="filtered"))
    assert [(b.channel_id, b.number) for b in blocks] == [("mychannel", 2), ("mychannel", 3)]


def test_offline_signed_block_request_and_forbidden_status(fake, client, peers) -> None:
    _, channel = fake
    identity, _, key = client
    gw = connect(channel, identity)
    unsigned = gw.get_network("mychannel").new_block_events_request(start_block=3)
    signed = gw.new_signed_block_events_request(unsigned.bytes, ecdsa.sign_digest(key, unsigned.digest))
    assert [b.header.number for b in signed.get_events()] == [3]
    wrong_key = peers[0][2]
    forged = gw.new_signed_block_events_request(unsigned.bytes, ecdsa.sign_digest(wrong_key, unsigned.digest))
    with pytest.raises(BlockEventsError, match="FORBIDDEN"):
        list(forged.get_events())


def test_closing_a_live_block_stream_ends_iteration(fake, client) -> None:
    servicer, channel = fake
    servicer.hold_streams_open = True
    with connect(channel, *client[:2]).get_network("ch").get_block_events(start_block=3) as blocks:
        assert next(blocks).header.number == 3
        blocks.close()
        with pytest.raises(StopIteration):
            next(blocks)
