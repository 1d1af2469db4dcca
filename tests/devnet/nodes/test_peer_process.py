"""A real peer process pulling from a real orderer: validated commits, Deliver and DeliverFiltered."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fabric_protos.common import common_pb2
from fabric_protos.peer import transaction_pb2

from devnet.nodes.devnet_support import (
    CHANNEL,
    batch_size_update,
    blocks_and_status,
    broadcast,
    deliver_request,
    network_node,
    orderer_deliver,
    peer_deliver,
    running_network,
    tx_envelope,
    txid_of,
    user,
)
from network.devnet.node import processes, supervisor
from network.devnet.orderer.blocks import block_header_hash, is_config_block, last_config_index
from network.layout import NetworkLayout

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NetworkLayout]:
    yield from running_network(tmp_path_factory.mktemp("peernet"), orgs=1, max_message_count=2, timeout="300ms")


@pytest.fixture(scope="module")
def seeded(net: NetworkLayout) -> list[str]:
    """Blocks 1 and 2 (three unendorsed transactions, MaxMessageCount 2), written before any test here adds
    blocks or changes the batch size (every test asks for this fixture), so no test depends on which of them
    runs first."""
    identity, sign = user(net)
    txs = [tx_envelope(CHANNEL, identity, sign) for _ in range(3)]
    assert {r.status for r in broadcast(net, [e for _, e in txs])} == {common_pb2.SUCCESS}
    # BLOCK_UNTIL_READY on the peer returns once the peer has committed blocks 1 and 2.
    _, status = blocks_and_status(peer_deliver(net, "Org1MSP", deliver_request(net, CHANNEL, 0, 2)))
    assert status == common_pb2.SUCCESS
    return [t for t, _ in txs]


def test_peer_commits_orderer_blocks_with_filter_and_commit_hash(net: NetworkLayout, seeded: list[str]) -> None:
    blocks, status = blocks_and_status(peer_deliver(net, "Org1MSP", deliver_request(net, CHANNEL, 0, 2)))
    assert status == common_pb2.SUCCESS
    assert [txid_of(raw) for b in blocks[1:] for raw in b.data.data] == seeded
    ordered, _ = blocks_and_status(orderer_deliver(net, deliver_request(net, CHANNEL, 0, 2)))
    for committed, original in zip(blocks, ordered, strict=True):
        assert committed.header == original.header and committed.data == original.data
        txfilter = committed.metadata.metadata[common_pb2.TRANSACTIONS_FILTER]
        assert len(txfilter) == len(committed.data.data)
    assert all(
        len(common_pb2.Metadata.FromString(b.metadata.metadata[common_pb2.COMMIT_HASH]).value) == 32 for b in blocks[1:]
    )
    # These envelopes carry no endorsements, so a faithful committer must not mark them VALID.
    codes = {c for b in blocks[1:] for c in b.metadata.metadata[common_pb2.TRANSACTIONS_FILTER]}
    assert transaction_pb2.VALID not in codes


def test_deliver_filtered_mirrors_the_committed_blocks(net: NetworkLayout, seeded: list[str]) -> None:
    full, _ = blocks_and_status(peer_deliver(net, "Org1MSP", deliver_request(net, CHANNEL, 1, 2)))
    filtered, status = blocks_and_status(
        peer_deliver(net, "Org1MSP", deliver_request(net, CHANNEL, 1, 2), method="DeliverFiltered")
    )
    assert status == common_pb2.SUCCESS
    for block, fb in zip(full, filtered, strict=True):
        assert (fb.channel_id, fb.number) == (CHANNEL, block.header.number)
        assert [t.txid for t in fb.filtered_transactions] == [txid_of(raw) for raw in block.data.data]
        assert bytes(t.tx_validation_code for t in fb.filtered_transactions) == bytes(
            block.metadata.metadata[common_pb2.TRANSACTIONS_FILTER]
        )


def test_peer_deliver_refuses_a_forged_request(net: NetworkLayout) -> None:
    good = deliver_request(net, CHANNEL, 0, 0)
    forged = common_pb2.Envelope(payload=good.payload, signature=good.signature[:-1] + b"\x00")
    assert blocks_and_status(peer_deliver(net, "Org1MSP", forged)) == ([], common_pb2.FORBIDDEN)


def test_restarted_peer_catches_up_and_keeps_its_chain(net: NetworkLayout, seeded: list[str]) -> None:
    peer = network_node(net, "peer")
    height = supervisor.status(net.root)[0].channels[CHANNEL]["height"]
    before, _ = blocks_and_status(peer_deliver(net, "Org1MSP", deliver_request(net, CHANNEL, 0, height - 1)))
    assert processes.stop(peer)
    identity, sign = user(net)
    txs = [tx_envelope(CHANNEL, identity, sign) for _ in range(2)]
    assert {r.status for r in broadcast(net, [e for _, e in txs])} == {common_pb2.SUCCESS}
    supervisor.up(net.root, timeout=60)
    after, status = blocks_and_status(peer_deliver(net, "Org1MSP", deliver_request(net, CHANNEL, 0, height)))
    assert status == common_pb2.SUCCESS
    assert after[:height] == before
    assert after[height].header.previous_hash == block_header_hash(before[-1].header)
    assert [txid_of(raw) for raw in after[height].data.data] == [t for t, _ in txs]


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js for the official fabric-gateway client")
def test_official_node_client_block_events(net: NetworkLayout, seeded: list[str], tmp_path: Path) -> None:
    """``@hyperledger/fabric-gateway`` getBlockEvents / getFilteredBlockEvents / getBlockAndPrivateDataEvents."""
    org, peer = net.spec.peers()[0]
    msp = net.user_msp_dir(org.msp_id, "User1")
    plan = {
        "peer": {
            "address": f"127.0.0.1:{peer.port}",
            "hostAlias": f"{peer.name}.{org.domain}",
            "tlsRootCertPath": str(net.tlsca_cert(org.msp_id)),
        },
        "identity": {
            "mspId": org.msp_id,
            "certPath": str(next((msp / "signcerts").glob("*.pem"))),
            "keyPath": str(next((msp / "keystore").iterdir())),
        },
        "channel": CHANNEL,
        "startBlock": 1,
        "count": 2,
    }
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    script = Path(__file__).with_name("blockevents.js")
    run = subprocess.run(
        ["node", str(script), str(tmp_path / "plan.json")], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout)
    expected, _ = blocks_and_status(peer_deliver(net, org.msp_id, deliver_request(net, CHANNEL, 1, 2)))
    want = [{"number": str(b.header.number), "txids": [txid_of(raw) for raw in b.data.data]} for b in expected]
    assert seen["blocks"] == want
    assert seen["private"] == want
    assert [{"number": f["number"], "txids": f["txids"]} for f in seen["filtered"]] == want
    assert [f["codes"] for f in seen["filtered"]] == [
        list(b.metadata.metadata[common_pb2.TRANSACTIONS_FILTER]) for b in expected
    ]


def test_config_update_is_ordered_committed_and_takes_effect(net: NetworkLayout, seeded: list[str]) -> None:
    genesis = common_pb2.Block.FromString(net.genesis_block(CHANNEL).read_bytes())
    orderer_admin = user(net, "OrdererMSP", "Admin")
    not_admin = batch_size_update(net, CHANNEL, genesis, 4, [user(net)])
    [refused] = broadcast(net, [not_admin])
    assert refused.status == common_pb2.BAD_REQUEST and "not satisfied" in refused.info
    update = batch_size_update(net, CHANNEL, genesis, 4, [orderer_admin])
    [accepted] = broadcast(net, [update])
    assert accepted.status == common_pb2.SUCCESS, accepted.info
    [replayed] = broadcast(net, [batch_size_update(net, CHANNEL, genesis, 4, [orderer_admin])])
    assert replayed.status == common_pb2.BAD_REQUEST and "version" in replayed.info

    identity, sign = user(net)
    txs = [tx_envelope(CHANNEL, identity, sign) for _ in range(4)]
    assert {r.status for r in broadcast(net, [e for _, e in txs])} == {common_pb2.SUCCESS}
    newest = supervisor.status(net.root)[0].channels[CHANNEL]["height"] - 1
    blocks, status = blocks_and_status(peer_deliver(net, "Org1MSP", deliver_request(net, CHANNEL, newest - 1, newest)))
    config_block, after = blocks
    assert status == common_pb2.SUCCESS
    assert is_config_block(config_block)
    assert config_block.metadata.metadata[common_pb2.TRANSACTIONS_FILTER] == bytes([transaction_pb2.VALID])
    # the new MaxMessageCount (4, was 2) cut the next block, which points at the config block
    assert [txid_of(raw) for raw in after.data.data] == [t for t, _ in txs]
    assert last_config_index(after) == config_block.header.number
