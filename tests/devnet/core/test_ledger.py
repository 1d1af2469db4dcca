"""Ledger store: blocks, state derived from VALID transactions, metadata rules, commit hash, history."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest
from fabric_protos.common import common_pb2

from devnet.fixtures.pki import Org
from devnet.fixtures.txs import endorser_tx, make_block, set_filter, txid_of
from network.configtx.block import block_header_hash
from network.devnet.ledger.rwset import RWSetBuilder, key_hash
from network.devnet.ledger.store import Ledger, LedgerError
from network.devnet.ledger.version import Version

CH = "mychannel"
VALID, MVCC = 0, 11


def genesis() -> common_pb2.Block:
    env = common_pb2.Envelope(payload=b"config", signature=b"").SerializeToString()
    return make_block(0, None, [env])


def writes(org: Org, *pairs: tuple[str, bytes], ns: str = "cc") -> bytes:
    b = RWSetBuilder()
    for key, value in pairs:
        b.add_write(ns, key, value)
    return endorser_tx(CH, org.client, b.build().public, [org.peer])


def tx_with(org: Org, build: RWSetBuilder) -> bytes:
    return endorser_tx(CH, org.client, build.build().public, [org.peer])


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger.open(tmp_path / "ledger", genesis())


def append(ledger: Ledger, envelopes: list[bytes], codes: list[int] | None = None) -> common_pb2.Block:
    prev = ledger.get_block(ledger.height - 1)
    block = set_filter(make_block(ledger.height, prev, envelopes), codes or [VALID] * len(envelopes))
    ledger.commit(block)
    return block


def test_genesis_and_reopen(tmp_path: Path) -> None:
    g = genesis()
    led = Ledger.open(tmp_path / "l", g)
    assert led.height == 1 and led.block_hash(0) == block_header_hash(g.header)
    assert led.get_block(0).metadata.metadata[2] == b"\x00"
    led.close()
    again = Ledger.open(tmp_path / "l", g)
    assert again.height == 1
    again.close()
    other = make_block(0, None, [common_pb2.Envelope(payload=b"other").SerializeToString()])
    with pytest.raises(LedgerError, match="genesis_block"):
        Ledger.open(tmp_path / "l", other)


def test_only_valid_transactions_change_state(ledger: Ledger, org1: Org) -> None:
    good, bad = writes(org1, ("a", b"1"), ("b", b"2")), writes(org1, ("c", b"3"))
    append(ledger, [good, bad], [VALID, MVCC])
    assert ledger.get_state("cc", "a").value == b"1"
    assert ledger.get_state("cc", "a").version == Version(1, 0)
    assert ledger.get_state("cc", "c") is None
    assert ledger.txid_status(txid_of(good)) == (VALID, 1)
    assert ledger.txid_status(txid_of(bad)) == (MVCC, 1)
    assert ledger.txid_status("nope") is None
    assert ledger.get_block_by_txid(txid_of(bad)).header.number == 1


def test_range_is_byte_ordered_and_end_exclusive(ledger: Ledger, org1: Org) -> None:
    append(ledger, [writes(org1, ("b", b"1"), ("a", b"1"), ("\x00obj\x00x\x00", b"1"), ("é", b"1"), ("c", b"1"))])
    assert [k for k, _ in ledger.range("cc", "a", "c")] == ["a", "b"]
    assert [k for k, _ in ledger.range("cc", "", "")] == ["\x00obj\x00x\x00", "a", "b", "c", "é"]
    assert [k for k, _ in ledger.range("cc", "\x01", "")] == ["a", "b", "c", "é"]


def test_delete_and_history_newest_first(ledger: Ledger, org1: Org) -> None:
    t1 = writes(org1, ("k", b"v1"))
    append(ledger, [t1])
    t2 = writes(org1, ("k", b"v2"))
    append(ledger, [t2])
    t3 = writes(org1, ("k", b""))
    append(ledger, [t3])
    assert ledger.get_state("cc", "k") is None
    hist = list(ledger.history("cc", "k"))
    assert [(h.tx_id, h.value, h.is_delete) for h in hist] == [
        (txid_of(t3), b"", True),
        (txid_of(t2), b"v2", False),
        (txid_of(t1), b"v1", False),
    ]


def test_metadata_replaced_not_merged(ledger: Ledger, org1: Org) -> None:
    b = RWSetBuilder()
    b.add_write("cc", "k", b"v")
    b.add_metadata_write("cc", "k", {"A": b"1", "B": b"2"})
    append(ledger, [tx_with(org1, b)])
    assert ledger.get_state("cc", "k").metadata == {"A": b"1", "B": b"2"}
    b = RWSetBuilder()
    b.add_metadata_write("cc", "k", {"C": b"3"})
    append(ledger, [tx_with(org1, b)])
    vv = ledger.get_state("cc", "k")
    assert vv.metadata == {"C": b"3"} and vv.value == b"v" and vv.version == Version(2, 0)
    # a value write keeps the metadata
    append(ledger, [writes(org1, ("k", b"w"))])
    assert ledger.get_state("cc", "k").metadata == {"C": b"3"}
    # empty entries delete the metadata
    b = RWSetBuilder()
    b.add_metadata_write("cc", "k", {})
    append(ledger, [tx_with(org1, b)])
    assert ledger.get_state("cc", "k").metadata == {}


def test_metadata_write_on_absent_key_is_dropped_and_delete_clears(ledger: Ledger, org1: Org) -> None:
    b = RWSetBuilder()
    b.add_metadata_write("cc", "ghost", {"A": b"1"})
    append(ledger, [tx_with(org1, b)])
    assert ledger.get_state("cc", "ghost") is None
    b = RWSetBuilder()
    b.add_write("cc", "k", b"v")
    b.add_metadata_write("cc", "k", {"A": b"1"})
    append(ledger, [tx_with(org1, b)])
    append(ledger, [writes(org1, ("k", b""))])
    append(ledger, [writes(org1, ("k", b"again"))])
    assert ledger.get_state("cc", "k").metadata == {}


def test_metadata_follows_earlier_tx_in_same_block(ledger: Ledger, org1: Org) -> None:
    b = RWSetBuilder()
    b.add_write("cc", "k", b"v")
    b.add_metadata_write("cc", "k", {"A": b"1"})
    append(ledger, [tx_with(org1, b), writes(org1, ("k", b"v2"))])
    vv = ledger.get_state("cc", "k")
    assert (vv.value, vv.metadata, vv.version) == (b"v2", {"A": b"1"}, Version(1, 1))


def test_private_hashes_stored(ledger: Ledger, org1: Org) -> None:
    b = RWSetBuilder()
    b.add_private_write("cc", "coll", "secret", b"value")
    append(ledger, [tx_with(org1, b)])
    vv = ledger.get_private_hash("cc", "coll", key_hash("secret"))
    assert vv is not None and vv.value == hashlib.sha256(b"value").digest() and vv.version == Version(1, 0)


def test_commit_hash_matches_fabric_formula(ledger: Ledger, org1: Org) -> None:
    b1 = append(ledger, [writes(org1, ("k", b"v"))])
    kvwrite = b"\x0a\x02cc" + b"\x1a\x01k" + b"\x2a\x01v" + b"\x32\x03\x01\x01\x00"
    updates = b"\x0a" + bytes([len(kvwrite)]) + kvwrite
    expected1 = hashlib.sha256(b"\x01\x00" + updates).digest()
    assert common_pb2.Metadata.FromString(b1.metadata.metadata[4]).value == expected1
    stored = ledger.get_block(1)
    assert common_pb2.Metadata.FromString(stored.metadata.metadata[4]).value == expected1
    b2 = append(ledger, [writes(org1, ("x", b"1"))], [MVCC])
    expected2 = hashlib.sha256(b"\x01\x0b" + expected1).digest()
    assert common_pb2.Metadata.FromString(b2.metadata.metadata[4]).value == expected2
    assert ledger.get_block(0).metadata.metadata[4] == b""


def test_bad_blocks_rejected_without_change(ledger: Ledger, org1: Org) -> None:
    tx = writes(org1, ("k", b"v"))
    g = ledger.get_block(0)
    with pytest.raises(LedgerError, match="header.number"):
        ledger.commit(set_filter(make_block(2, g, [tx]), [VALID]))
    wrong_prev = make_block(1, None, [tx])
    with pytest.raises(LedgerError, match="previous_hash"):
        ledger.commit(set_filter(wrong_prev, [VALID]))
    with pytest.raises(LedgerError, match="TRANSACTIONS_FILTER"):
        ledger.commit(set_filter(make_block(1, g, [tx]), []))
    tampered = set_filter(make_block(1, g, [tx]), [VALID])
    tampered.data.data.append(tx)
    with pytest.raises(LedgerError, match="data_hash"):
        ledger.commit(tampered)
    assert ledger.height == 1 and ledger.get_state("cc", "k") is None and ledger.txid_status(txid_of(tx)) is None


def test_duplicate_txid_index_keeps_first(ledger: Ledger, org1: Org) -> None:
    tx = writes(org1, ("k", b"v"))
    append(ledger, [tx])
    append(ledger, [tx], [9])
    assert ledger.txid_status(txid_of(tx)) == (VALID, 1)


def test_subscribe_yields_committed_blocks(ledger: Ledger, org1: Org) -> None:
    async def run() -> list[int]:
        seen: list[int] = []

        async def consume() -> None:
            async for block in ledger.subscribe(start=0):
                seen.append(block.header.number)
                if block.header.number == 2:
                    return

        task = asyncio.create_task(consume())
        await asyncio.sleep(0)
        append(ledger, [writes(org1, ("a", b"1"))])
        await asyncio.sleep(0)
        append(ledger, [writes(org1, ("b", b"1"))])
        await asyncio.wait_for(task, 5)
        return seen

    assert asyncio.run(run()) == [0, 1, 2]


def test_private_data_stored_only_when_hash_matches(ledger: Ledger, org1: Org) -> None:
    b = RWSetBuilder()
    b.add_private_write("cc", "coll", "secret", b"value")
    res = b.build()
    assert res.private is not None
    env = endorser_tx(CH, org1.client, res.public, [org1.peer])
    tampered = type(res.private)()
    tampered.CopyFrom(res.private)
    tampered.ns_pvt_rwset[0].collection_pvt_rwset[0].rwset += b"\x00"
    prev = ledger.get_block(ledger.height - 1)
    block = set_filter(make_block(ledger.height, prev, [env, env]), [VALID, MVCC])
    ledger.commit(block, {0: tampered, 1: res.private})
    assert ledger.get_private_data("cc", "coll", "secret") is None  # hash mismatch / invalid tx
    b2 = RWSetBuilder()
    b2.add_private_write("cc", "coll", "secret", b"value2")
    res2 = b2.build()
    append_env = endorser_tx(CH, org1.client, res2.public, [org1.peer])
    prev = ledger.get_block(ledger.height - 1)
    ledger.commit(set_filter(make_block(ledger.height, prev, [append_env]), [VALID]), {0: res2.private})
    vv = ledger.get_private_data("cc", "coll", "secret")
    assert vv is not None and vv.value == b"value2" and vv.version == Version(2, 0)


def test_block_by_hash_and_chain_info(ledger: Ledger, org1: Org) -> None:
    b1 = append(ledger, [writes(org1, ("k", b"v"))])
    h1 = block_header_hash(b1.header)
    assert ledger.get_block_by_hash(h1).header.number == 1
    assert ledger.get_block_by_hash(b"\x00" * 32) is None
    info = ledger.blockchain_info()
    assert (info.height, info.currentBlockHash, info.previousBlockHash) == (2, h1, ledger.block_hash(0))
    env, code = ledger.get_tx_envelope(txid_of(b1.data.data[0]))
    assert code == VALID and env.SerializeToString() == b1.data.data[0]
