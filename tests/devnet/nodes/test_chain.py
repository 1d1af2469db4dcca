"""The orderer chain in-process: cutting by count and timeout, signatures, WAL recovery.

The channel bundle here is a minimal stand-in exposing only batch settings (the admission filters, which
need real MSPs and policies, are covered by the integration tests against a generated network).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec
from fabric_protos.common import common_pb2
from fabric_protos.orderer.etcdraft import metadata_pb2 as raftmd

from gateway.client import ecdsa
from gateway.client.identity import private_key_signer
from network.devnet.orderer import wal
from network.devnet.orderer.blocks import block_header_bytes, block_header_hash, last_config_index, new_block
from network.devnet.orderer.blockwriter import OrdererSigner, raft_index_of
from network.devnet.orderer.chain import OrdererChain


@dataclass
class BatchSize:
    max_message_count: int = 3
    absolute_max_bytes: int = 10_000
    preferred_max_bytes: int = 5_000


@dataclass
class Bundle:
    batch_size: BatchSize
    batch_timeout: float


KEY = ec.generate_private_key(ec.SECP256R1())
SIGNER = OrdererSigner(b"orderer-identity", private_key_signer(KEY))


def open_chain(tmp_path: Path, timeout: float = 30.0, count: int = 3) -> OrdererChain:
    genesis = new_block(0, b"", [b"config"])
    return OrdererChain("ch", tmp_path, genesis, SIGNER, lambda block: Bundle(BatchSize(count), timeout))


def test_blocks_cut_by_count_are_chained_and_signed(tmp_path: Path) -> None:
    async def run() -> None:
        chain = open_chain(tmp_path)
        for i in range(6):
            await chain.order(b"env%d" % i)
        assert chain.height == 3
        genesis, b1, b2 = (chain.get_block(n) for n in range(3))
        assert list(b1.data.data) == [b"env0", b"env1", b"env2"]
        assert b1.header.previous_hash == block_header_hash(genesis.header)
        assert b2.header.previous_hash == block_header_hash(b1.header)
        meta = common_pb2.Metadata.FromString(b2.metadata.metadata[common_pb2.SIGNATURES])
        [sig] = meta.signatures
        assert common_pb2.SignatureHeader.FromString(sig.signature_header).creator == b"orderer-identity"
        signed = meta.value + sig.signature_header + block_header_bytes(b2.header)
        assert ecdsa.verify(KEY.public_key(), signed, sig.signature)
        assert not ecdsa.verify(KEY.public_key(), signed + b"x", sig.signature)
        obm = common_pb2.OrdererBlockMetadata.FromString(meta.value)
        assert obm.last_config.index == 0
        consenter = raftmd.BlockMetadata.FromString(common_pb2.Metadata.FromString(obm.consenter_metadata).value)
        assert consenter.raft_index == 6
        last_config = common_pb2.Metadata.FromString(b2.metadata.metadata[common_pb2.LAST_CONFIG])
        assert common_pb2.LastConfig.FromString(last_config.value).index == 0
        assert len(b2.metadata.metadata) == 5
        await chain.close()

    asyncio.run(run())


def test_batch_timeout_cuts_a_partial_batch(tmp_path: Path) -> None:
    async def run() -> None:
        chain = open_chain(tmp_path, timeout=0.2)
        await chain.order(b"lonely")
        assert chain.height == 1
        await asyncio.wait_for(chain.wait_for_height(2), timeout=10)
        assert list(chain.get_block(1).data.data) == [b"lonely"]
        await chain.close()

    asyncio.run(run())


def test_acknowledged_but_uncut_envelopes_survive_a_restart(tmp_path: Path) -> None:
    async def first_life() -> None:
        chain = open_chain(tmp_path, count=3)
        for i in range(4):  # one block of 3, one envelope left pending
            await chain.order(b"env%d" % i)
        assert chain.height == 2
        # no close(): the process "dies" with env3 only in the WAL

    async def second_life() -> None:
        chain = open_chain(tmp_path, timeout=0.1)
        assert chain.height == 2
        await chain.recover()
        await asyncio.wait_for(chain.wait_for_height(3), timeout=10)
        block = chain.get_block(2)
        assert list(block.data.data) == [b"env3"]
        assert raft_index_of(block) == 4
        await chain.order(b"env4")
        await asyncio.wait_for(chain.wait_for_height(4), timeout=10)
        assert raft_index_of(chain.get_block(3)) == 5
        await chain.close()

    asyncio.run(first_life())
    asyncio.run(second_life())


def test_config_entry_recovered_from_the_wal_becomes_its_own_block(tmp_path: Path) -> None:
    async def first_life() -> None:
        chain = open_chain(tmp_path, count=3)
        await chain.order(b"env0")  # pending
        chain.wal.append(b"config-envelope", wal.CONFIG)  # accepted, then the process dies

    async def second_life() -> None:
        chain = open_chain(tmp_path, count=3)
        await chain.recover()
        assert chain.height == 3
        assert list(chain.get_block(1).data.data) == [b"env0"]
        config = chain.get_block(2)
        assert list(config.data.data) == [b"config-envelope"]
        assert chain.last_config == 2
        await chain.order(b"env1")
        await chain.order(b"env2")
        await chain.order(b"env3")
        assert last_config_index(chain.get_block(3)) == 2
        await chain.close()

    asyncio.run(first_life())
    asyncio.run(second_life())
