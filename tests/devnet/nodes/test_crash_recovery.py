"""kill -9 the orderer under load and a peer while it commits; after restart nothing acknowledged is lost.

Every envelope the orderer answered SUCCESS for must end up in a block, and every peer must hold the same
hash-chained blocks (same header hashes, same commit hashes) containing all of them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import grpc
import pytest
from fabric_protos.common import common_pb2
from fabric_protos.orderer import ab_pb2_grpc

from devnet.nodes.devnet_support import (
    CHANNEL,
    blocks_and_status,
    deliver_request,
    network_node,
    orderer_channel,
    peer_deliver,
    running_network,
    tx_envelope,
    txid_of,
    user,
)
from network.devnet.node import processes, supervisor
from network.devnet.orderer.blocks import block_header_hash
from network.layout import NetworkLayout

pytestmark = pytest.mark.integration


@pytest.fixture()
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NetworkLayout]:
    yield from running_network(tmp_path_factory.mktemp("crashnet"), orgs=2, max_message_count=5, timeout="300ms")


class Load(threading.Thread):
    """Broadcasts envelopes on one stream until stopped or the stream breaks; records acknowledged txids."""

    def __init__(self, layout: NetworkLayout) -> None:
        super().__init__(daemon=True)
        self.layout = layout
        self.acked: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        identity, sign = user(self.layout)
        sent: list[str] = []

        def envelopes() -> Iterator[common_pb2.Envelope]:
            while not self.stop.is_set():
                txid, env = tx_envelope(CHANNEL, identity, sign)
                sent.append(txid)
                yield env

        try:
            with orderer_channel(self.layout) as ch:
                for i, response in enumerate(ab_pb2_grpc.AtomicBroadcastStub(ch).Broadcast(envelopes())):
                    if response.status == common_pb2.SUCCESS:
                        self.acked.append(sent[i])
        except grpc.RpcError:
            pass


def heights(layout: NetworkLayout) -> dict[str, int]:
    return {s.host: int(s.channels.get(CHANNEL, {}).get("height", -1)) for s in supervisor.status(layout.root)}


def settled(layout: NetworkLayout) -> bool:
    """All nodes at one height, still the same a second later (longer than the 300 ms batch timeout, so
    envelopes the orderer recovered from its WAL have been cut by then)."""
    first = heights(layout)
    if len(set(first.values())) != 1:
        return False
    time.sleep(1.0)
    return heights(layout) == first


def wait_until(predicate: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_kill9_orderer_and_peer_loses_no_acknowledged_transaction(net: NetworkLayout) -> None:
    orderer, peer1 = network_node(net, "orderer"), network_node(net, "peer", "Org1MSP")
    load = Load(net)
    load.start()
    wait_until(lambda: len(load.acked) >= 100, 60, "100 acknowledged envelopes")
    processes.kill(peer1)  # blocks are being cut and committed continuously at this point
    wait_until(lambda: len(load.acked) >= 250, 60, "250 acknowledged envelopes")
    processes.kill(orderer)
    load.join(timeout=30)
    assert not load.is_alive()
    acked = set(load.acked)
    assert len(acked) >= 250

    supervisor.up(net.root, timeout=90)
    wait_until(lambda: settled(net), 120, "every node at the same, settled height")
    top = next(iter(heights(net).values())) - 1

    chains = {}
    for mspid in ("Org1MSP", "Org2MSP"):
        blocks, status = blocks_and_status(peer_deliver(net, mspid, deliver_request(net, CHANNEL, 0, top)))
        assert status == common_pb2.SUCCESS
        for previous, block in zip(blocks, blocks[1:], strict=False):
            assert block.header.previous_hash == block_header_hash(previous.header)
        txids = {txid_of(raw) for block in blocks[1:] for raw in block.data.data}
        assert acked <= txids, f"{mspid} is missing {len(acked - txids)} acknowledged transactions"
        chains[mspid] = [(block_header_hash(b.header), b.metadata.metadata[common_pb2.COMMIT_HASH]) for b in blocks]
    assert chains["Org1MSP"] == chains["Org2MSP"]
