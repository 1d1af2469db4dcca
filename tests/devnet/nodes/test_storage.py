"""Record file, block store and WAL: durability and torn-write recovery."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from fabric_protos.common import common_pb2

from network.devnet.orderer.blocks import block_header_hash, new_block
from network.devnet.orderer.blockstore import BlockStore, ChainCorrupted
from network.devnet.orderer.recordfile import RecordFile
from network.devnet.orderer.wal import WriteAheadLog


def test_torn_tail_is_truncated_on_open(tmp_path: Path) -> None:
    path = tmp_path / "r.bin"
    rf = RecordFile(path)
    rf.append(b"one")
    rf.append(b"two")
    rf.close()
    intact = path.stat().st_size
    with path.open("ab") as f:  # a crash in the middle of a third append
        f.write(b"\x00\x00\x00\x10\x12\x34")
    rf = RecordFile(path)
    assert list(rf) == [b"one", b"two"]
    assert path.stat().st_size == intact
    assert rf.append(b"three") == 2
    rf.close()
    assert list(RecordFile(path)) == [b"one", b"two", b"three"]


def test_corrupted_record_and_everything_after_it_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "r.bin"
    rf = RecordFile(path)
    for body in (b"aaaa", b"bbbb", b"cccc"):
        rf.append(body)
    rf.close()
    data = bytearray(path.read_bytes())
    data[8 + 4 + 8 + 1] ^= 0xFF  # flip a byte inside the second record's body
    path.write_bytes(bytes(data))
    assert list(RecordFile(path)) == [b"aaaa"]


def _genesis() -> common_pb2.Block:
    return new_block(0, b"", [b"config"])


def test_blockstore_chains_and_persists(tmp_path: Path) -> None:
    genesis = _genesis()
    store = BlockStore(tmp_path / "blocks.bin", genesis)
    block1 = new_block(1, block_header_hash(genesis.header), [b"tx"])
    asyncio.run(store.append(block1))
    store.close()
    reopened = BlockStore(tmp_path / "blocks.bin", genesis)
    assert reopened.height == 2
    assert reopened.get_block(1) == block1


def test_blockstore_refuses_a_block_that_does_not_chain(tmp_path: Path) -> None:
    store = BlockStore(tmp_path / "blocks.bin", _genesis())
    with pytest.raises(ValueError, match="previous_hash"):
        asyncio.run(store.append(new_block(1, b"\x00" * 32, [b"tx"])))
    with pytest.raises(ValueError, match="header.number"):
        asyncio.run(store.append(new_block(5, block_header_hash(store.last.header), [b"tx"])))
    assert store.height == 1


def test_blockstore_detects_broken_chain_on_open(tmp_path: Path) -> None:
    path = tmp_path / "blocks.bin"
    rf = RecordFile(path)
    rf.append(_genesis().SerializeToString())
    rf.append(new_block(1, b"\x01" * 32, [b"tx"]).SerializeToString())
    rf.close()
    with pytest.raises(ChainCorrupted):
        BlockStore(path, _genesis())


def test_wal_recovers_only_envelopes_after_the_last_block(tmp_path: Path) -> None:
    path = tmp_path / "wal.log"
    wal = WriteAheadLog(path, last_ordered=0)
    assert [wal.append(e) for e in (b"a", b"b", b"c")] == [1, 2, 3]
    wal.close()
    wal = WriteAheadLog(path, last_ordered=2)  # block with raft_index 2 holds a, b
    assert wal.recovered == [(3, b"c", 0)]
    assert wal.append(b"d") == 4
    wal.close()
    assert WriteAheadLog(path, last_ordered=4).recovered == []
