"""The peer's checks on pulled blocks, against a real generated channel config (D1's bundle)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fabric_protos.common import common_pb2

from devnet.nodes.devnet_support import make_network, tx_envelope, user
from gateway.client.identity import load_msp_identity
from network.devnet.channelconfig import bundle_from_config_block
from network.devnet.deliver.blockverify import BlockVerificationError, verify_pulled_block
from network.devnet.orderer.blockwriter import OrdererSigner, next_block
from network.layout import NetworkLayout


@pytest.fixture(scope="module")
def layout(tmp_path_factory: pytest.TempPathFactory) -> NetworkLayout:
    return make_network(tmp_path_factory.mktemp("bv"), orgs=1)


def _signer(layout: NetworkLayout, msp_dir: Path, mspid: str) -> OrdererSigner:
    identity, sign = load_msp_identity(msp_dir, mspid)
    return OrdererSigner(identity.serialize(), sign)


def _tx(layout: NetworkLayout) -> bytes:
    return tx_envelope("testchannel", *user(layout))[1].SerializeToString()


def _genesis(layout: NetworkLayout) -> common_pb2.Block:
    return common_pb2.Block.FromString(layout.genesis_block("testchannel").read_bytes())


def test_block_signed_by_the_orderer_passes(layout: NetworkLayout) -> None:
    genesis = _genesis(layout)
    block = next_block(genesis, [_tx(layout)], _signer(layout, layout.orderer_msp_dir("orderer0"), "OrdererMSP"), 0, 1)
    verify_pulled_block(block, genesis.header, bundle_from_config_block(genesis))


def test_block_signed_by_a_peer_fails_block_validation(layout: NetworkLayout) -> None:
    genesis = _genesis(layout)
    signer = _signer(layout, layout.peer_msp_dir("Org1MSP", "peer0"), "Org1MSP")
    block = next_block(genesis, [_tx(layout)], signer, 0, 1)
    with pytest.raises(BlockVerificationError, match="BlockValidation"):
        verify_pulled_block(block, genesis.header, bundle_from_config_block(genesis))


def test_tampered_data_or_chain_is_refused(layout: NetworkLayout) -> None:
    genesis = _genesis(layout)
    bundle = bundle_from_config_block(genesis)
    signer = _signer(layout, layout.orderer_msp_dir("orderer0"), "OrdererMSP")
    block = next_block(genesis, [_tx(layout)], signer, 0, 1)
    tampered = common_pb2.Block()
    tampered.CopyFrom(block)
    tampered.data.data[0] = _tx(layout)
    with pytest.raises(BlockVerificationError, match="data_hash"):
        verify_pulled_block(tampered, genesis.header, bundle)
    other_genesis = common_pb2.Block()
    other_genesis.CopyFrom(genesis)
    other_genesis.header.data_hash = b"\x00" * 32
    forked = next_block(other_genesis, [_tx(layout)], signer, 0, 1)
    with pytest.raises(BlockVerificationError, match="previous_hash"):
        verify_pulled_block(forked, genesis.header, bundle)
    with pytest.raises(BlockVerificationError, match="number"):
        verify_pulled_block(block, block.header, bundle)
