"""Orderer group commit: concurrent envelopes share one WAL write (no fsync: see ``orderer/wal.py``), are
acknowledged only after it, and a failed group neither half-applies nor acknowledges anything."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from gateway.client.identity import private_key_signer
from network.devnet.orderer.blocks import new_block
from network.devnet.orderer.blockwriter import OrdererSigner
from network.devnet.orderer.chain import OrdererChain
from network.devnet.orderer.recordfile import RecordFile
from network.devnet.orderer.wal import WriteAheadLog


@dataclass
class BatchSize:
    max_message_count: int
    absolute_max_bytes: int = 1_000_000
    preferred_max_bytes: int = 500_000


@dataclass
class Bundle:
    batch_size: BatchSize
    batch_timeout: float


SIGNER = OrdererSigner(b"orderer", private_key_signer(ec.generate_private_key(ec.SECP256R1())))


def open_chain(data_dir: Path, count: int) -> OrdererChain:
    genesis = new_block(0, b"", [b"config"])
    return OrdererChain("ch", data_dir, genesis, SIGNER, lambda block: Bundle(BatchSize(count), 30.0))


def test_concurrent_envelopes_share_wal_writes_and_all_reach_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    groups: list[int] = []
    syncs: list[bool] = []
    original = RecordFile.append_many

    def counting(self: RecordFile, bodies: list[bytes], sync: bool = True) -> int:
        if self.path.name == "wal.log":
            groups.append(len(bodies))
            syncs.append(sync)
        return original(self, bodies, sync)

    monkeypatch.setattr(RecordFile, "append_many", counting)

    async def run() -> None:
        chain = open_chain(tmp_path, count=10)
        await asyncio.gather(*(chain.order(b"env%03d" % i) for i in range(50)))
        assert chain.height == 6  # 50 envelopes / 10 per block, all cut by count
        ordered = [env for n in range(1, 6) for env in chain.get_block(n).data.data]
        assert ordered == [b"env%03d" % i for i in range(50)]  # arrival order is kept
        await chain.close()

    asyncio.run(run())
    assert sum(groups) == 50
    assert len(groups) < 50, f"expected grouped WAL writes, got one write per envelope: {groups}"
    assert not any(syncs), "the WAL is written, not fsynced: blocks are the durable record"


def test_failed_wal_write_acknowledges_nothing_and_leaves_no_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def run() -> None:
        chain = open_chain(tmp_path, count=100)
        await chain.order(b"before")

        def failing_write(fd: int, data: bytes, offset: int) -> int:
            raise OSError("disk gone")

        monkeypatch.setattr(os, "pwrite", failing_write)
        results = await asyncio.gather(*(chain.order(b"lost%d" % i) for i in range(5)), return_exceptions=True)
        assert all(isinstance(r, OSError) for r in results), results
        monkeypatch.undo()
        await chain.order(b"after")
        await chain.close()

    asyncio.run(run())
    log = WriteAheadLog(tmp_path / "chains" / "ch" / "wal.log", last_ordered=0)
    # the failed group's bytes were cut off again: only the acknowledged envelopes are in the log
    assert [(i, e) for i, e, _ in log.recovered] == [(1, b"before"), (2, b"after")]
    log.close()


def test_append_many_is_one_record_per_body(tmp_path: Path) -> None:
    rf = RecordFile(tmp_path / "r.bin")
    assert rf.append_many([b"a", b"bb"]) == 0
    assert rf.append_many([b"ccc"]) == 2
    rf.close()
    rf2 = RecordFile(tmp_path / "r.bin")
    assert rf2.append_many([b"dddd"], sync=False) == 3  # written, not fsynced: still read back after reopening
    rf2.close()
    assert list(RecordFile(tmp_path / "r.bin")) == [b"a", b"bb", b"ccc", b"dddd"]
    with pytest.raises(ValueError, match="bodies"):
        RecordFile(tmp_path / "r.bin").append_many([])
