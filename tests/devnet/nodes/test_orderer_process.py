"""A real orderer process (plus peers) from a generated network: Broadcast -> blocks -> Deliver."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import httpx
import pytest
from cryptography import x509
from fabric_protos.common import common_pb2
from fabric_protos.orderer import ab_pb2

from devnet.nodes.devnet_support import (
    CHANNEL,
    blocks_and_status,
    broadcast,
    deliver_request,
    make_network,
    network_node,
    orderer_deliver,
    tx_envelope,
    txid_of,
    user,
)
from gateway.client import ecdsa
from network.devnet.node import processes, supervisor
from network.devnet.orderer.blocks import block_data_hash, block_header_bytes, block_header_hash
from network.layout import NetworkLayout

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NetworkLayout]:
    layout = make_network(
        tmp_path_factory.mktemp("ordnet"),
        orgs=2,
        max_message_count=3,
        timeout="2s",
        absolute_max_bytes=64 * 1024,
        preferred_max_bytes=32 * 1024,
    )
    start_orderer(layout)
    yield layout
    supervisor.down(layout.root)


def start_orderer(layout: NetworkLayout) -> None:
    """Only the orderer runs in this module (peers are exercised in the crash-recovery test)."""
    node = network_node(layout, "orderer")
    node.pid_file.unlink(missing_ok=True)
    processes.start(node)
    supervisor.wait_healthy([node], 60, lambda line: None)


def height(layout: NetworkLayout) -> int:
    [orderer] = [s for s in supervisor.status(layout.root) if s.kind == "orderer"]
    return int(orderer.channels[CHANNEL]["height"])


def test_broadcast_is_cut_by_count_and_timeout_and_delivered(net: NetworkLayout) -> None:
    identity, sign = user(net)
    start = height(net)
    txs = [tx_envelope(CHANNEL, identity, sign) for _ in range(4)]
    responses = broadcast(net, [env for _, env in txs])
    assert [r.status for r in responses] == [common_pb2.SUCCESS] * 4
    # 3 per block by count; the 4th waits for the 2 s batch timeout; BLOCK_UNTIL_READY waits with us.
    blocks, status = blocks_and_status(orderer_deliver(net, deliver_request(net, CHANNEL, start, start + 1)))
    assert status == common_pb2.SUCCESS
    assert [[txid_of(raw) for raw in b.data.data] for b in blocks] == [[t for t, _ in txs[:3]], [txs[3][0]]]


def test_blocks_chain_and_carry_a_valid_orderer_signature(net: NetworkLayout) -> None:
    top = height(net) - 1
    blocks, status = blocks_and_status(orderer_deliver(net, deliver_request(net, CHANNEL, 0, top)))
    assert status == common_pb2.SUCCESS and len(blocks) == top + 1
    orderer_cert = x509.load_pem_x509_certificate(
        next((net.orderer_msp_dir("orderer0") / "signcerts").glob("*.pem")).read_bytes()
    )
    for previous, block in zip(blocks, blocks[1:], strict=False):
        assert block.header.previous_hash == block_header_hash(previous.header)
        assert block.header.data_hash == block_data_hash(block.data)
        meta = common_pb2.Metadata.FromString(block.metadata.metadata[common_pb2.SIGNATURES])
        [sig] = meta.signatures
        signed = meta.value + sig.signature_header + block_header_bytes(block.header)
        assert ecdsa.verify(orderer_cert.public_key(), signed, sig.signature)


def test_fail_if_not_ready_past_the_tip_is_not_found(net: NetworkLayout) -> None:
    tip = height(net)
    request = deliver_request(net, CHANNEL, tip - 1, tip + 5, ab_pb2.SeekInfo.FAIL_IF_NOT_READY)
    blocks, status = blocks_and_status(orderer_deliver(net, request))
    assert [b.header.number for b in blocks] == [tip - 1]
    assert status == common_pb2.NOT_FOUND


def test_broadcast_rejections_use_fabric_statuses(net: NetworkLayout) -> None:
    identity, sign = user(net)
    _, good = tx_envelope(CHANNEL, identity, sign)
    tampered = common_pb2.Envelope(payload=good.payload, signature=sign(b"something else"))
    _, other_channel = tx_envelope("nosuchchannel", identity, sign)
    statuses = [r.status for r in broadcast(net, [tampered, other_channel, common_pb2.Envelope()])]
    assert statuses == [common_pb2.FORBIDDEN, common_pb2.BAD_REQUEST, common_pb2.BAD_REQUEST]


def test_deliver_rejections_use_fabric_statuses(net: NetworkLayout) -> None:
    good = deliver_request(net, CHANNEL, 0, 0)
    forged = common_pb2.Envelope(payload=good.payload, signature=good.signature[:-1] + b"\x00")
    assert blocks_and_status(orderer_deliver(net, forged)) == ([], common_pb2.FORBIDDEN)
    unknown = deliver_request(net, "nosuchchannel", 0, 0)
    assert blocks_and_status(orderer_deliver(net, unknown)) == ([], common_pb2.NOT_FOUND)
    backwards = deliver_request(net, CHANNEL, 1, 0)
    assert blocks_and_status(orderer_deliver(net, backwards)) == ([], common_pb2.BAD_REQUEST)


def test_restart_continues_the_chain(net: NetworkLayout) -> None:
    before, _ = blocks_and_status(orderer_deliver(net, deliver_request(net, CHANNEL, 0, height(net) - 1)))
    node = network_node(net, "orderer")
    assert processes.stop(node)
    start_orderer(net)
    identity, sign = user(net)
    txs = [tx_envelope(CHANNEL, identity, sign) for _ in range(3)]
    assert [r.status for r in broadcast(net, [e for _, e in txs])] == [common_pb2.SUCCESS] * 3
    top = len(before)
    after, status = blocks_and_status(orderer_deliver(net, deliver_request(net, CHANNEL, 0, top)))
    assert status == common_pb2.SUCCESS
    assert after[:top] == before
    assert after[top].header.previous_hash == block_header_hash(before[-1].header)
    assert [txid_of(raw) for raw in after[top].data.data] == [t for t, _ in txs]


def test_stale_pid_file_is_recognised_after_kill9(net: NetworkLayout) -> None:
    node = network_node(net, "orderer")
    processes.kill(node)
    assert node.pid_file.exists() and processes.running_pid(node) is None
    assert not processes.stop(node)  # nothing to signal, and the stale file is cleaned up
    assert not node.pid_file.exists()
    start_orderer(net)
    assert processes.running_pid(node) is not None and supervisor.is_healthy(node)


def test_channel_participation_api_needs_a_client_cert_and_lists_channels(net: NetworkLayout) -> None:
    org, node = net.spec.orderer_nodes()[0]
    tls = NetworkLayout.user_tls(net.user_dir(org.msp_id, "Admin"))
    base = f"https://127.0.0.1:{node.admin_port}/participation/v1/channels"
    context = ssl.create_default_context(cafile=str(net.tlsca_cert(org.msp_id)))
    context.load_cert_chain(tls.cert, tls.key)
    with httpx.Client(verify=context) as client:
        listing = client.get(base)
        assert listing.status_code == 200
        assert listing.json() == {
            "systemChannel": None,
            "channels": [{"name": CHANNEL, "url": f"/participation/v1/channels/{CHANNEL}"}],
        }
        info = client.get(f"{base}/{CHANNEL}").json()
        assert info["consensusRelation"] == "consenter" and info["status"] == "active" and info["height"] >= 1
        genesis = common_pb2.Block.FromString(client.get(f"{base}/{CHANNEL}/blocks/0").content)
        assert genesis.SerializeToString() == net.genesis_block(CHANNEL).read_bytes()
        assert client.get(f"{base}/nosuch").status_code == 404
    anonymous = ssl.create_default_context(cafile=str(net.tlsca_cert(org.msp_id)))
    with httpx.Client(verify=anonymous) as client, pytest.raises(httpx.HTTPError):
        client.get(base)


def test_size_limits_reject_and_isolate(net: NetworkLayout) -> None:
    identity, sign = user(net)
    _, too_big = tx_envelope(CHANNEL, identity, sign, body=b"x" * 70 * 1024)
    [rejected] = broadcast(net, [too_big])
    assert rejected.status == common_pb2.BAD_REQUEST and "exceeds maximum allowed 65536 bytes" in rejected.info
    start = height(net)
    small_id, small = tx_envelope(CHANNEL, identity, sign)
    big_id, big = tx_envelope(CHANNEL, identity, sign, body=b"y" * 40 * 1024)  # above PreferredMaxBytes
    assert [r.status for r in broadcast(net, [small, big])] == [common_pb2.SUCCESS] * 2
    blocks, _ = blocks_and_status(orderer_deliver(net, deliver_request(net, CHANNEL, start, start + 1)))
    # the pending batch is cut first, then the oversized envelope becomes a block of its own
    assert [[txid_of(raw) for raw in b.data.data] for b in blocks] == [[small_id], [big_id]]
