"""The validator's update batch handed to the ledger: used only when it equals what the ledger would derive
itself, ignored when stale; batched reads answer like point reads; a failed write leaves the block as it was."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest
from fabric_protos.common import common_pb2
from fabric_protos.peer import collection_pb2, transaction_pb2

from devnet.fixtures.pki import Org
from devnet.fixtures.txs import set_filter, txid_of
from devnet.fixtures.world import CHANNEL, World, sig_policy
from network.devnet.ledger import RWSetBuilder, Version
from network.devnet.ledger.blockparse import COMMIT_HASH
from network.devnet.ledger.prepared import usable_for
from network.devnet.ledger.store import Ledger
from network.devnet.peer.channel import PeerChannel
from network.devnet.peer.committer import commit_block
from network.devnet.validation import validate_block, validate_block_for_commit

C = transaction_pb2.TxValidationCode
EITHER = "OR('Org1MSP.peer', 'Org2MSP.peer')"


@pytest.fixture
def world(tmp_path: Path, org1: Org, org2: Org, orderer_org: Org) -> World:
    w = World.create(tmp_path, org1, org2, orderer_org)
    coll = collection_pb2.CollectionConfig(
        static_collection_config=collection_pb2.StaticCollectionConfig(name="secret", required_peer_count=0)
    )
    w.define("basic", sig_policy(EITHER), collections=collection_pb2.CollectionConfigPackage(config=[coll]))
    seed = RWSetBuilder()
    for key in ("a", "b", "gone"):
        seed.add_write("basic", key, b"v0-" + key.encode())
    seed.add_metadata_write("basic", "b", {"owner": b"x"})
    assert w.commit([w.tx(seed)]) == [C.VALID]
    return w


def mixed_block(world: World) -> tuple[common_pb2.Block, list[int]]:
    """VALID writes, deletes, metadata and private writes next to an MVCC conflict, a bad signature and an
    in-block duplicate txid."""
    height = world.ledger.height
    seen = Version(height - 1, 0)
    w1 = RWSetBuilder()
    w1.add_read("basic", "a", seen)
    w1.add_write("basic", "a", b"v1")
    w1.add_delete("basic", "gone")
    w1.add_private_write("basic", "secret", "p", b"private")
    w2 = RWSetBuilder()
    w2.add_write("basic", "b", b"value keeps b's metadata")
    w2.add_metadata_write("basic", "new-only-metadata", {"owner": b"y"})
    conflict = RWSetBuilder()
    conflict.add_read("basic", "a", seen)  # a was written by the first transaction of this block
    conflict.add_write("basic", "c", b"never")
    bad = RWSetBuilder()
    bad.add_write("basic", "d", b"never")
    first = world.tx(w1)
    envelopes = [first, world.tx(w2), world.tx(conflict), world.tx(bad, bad_creator_signature=True), first]
    expected = [C.VALID, C.VALID, C.MVCC_READ_CONFLICT, C.BAD_CREATOR_SIGNATURE, C.DUPLICATE_TXID]
    return world.next_block(envelopes), expected


def test_prepared_batch_equals_what_the_ledger_derives(world: World) -> None:
    block, expected = mixed_block(world)
    validation = validate_block_for_commit(block, world.bundle, world.ledger)
    assert validation.codes == expected
    set_filter(block, validation.codes)
    prepared = validation.prepared
    assert usable_for(prepared, block.header.number, world.ledger.height, bytes(expected))
    txs, batch = world.ledger._prepare(block, bytes(expected))
    assert prepared.batch == batch
    assert [(t.tx_num, t.txid, t.header_type, t.timestamp_seconds, t.timestamp_nanos) for t in prepared.txs] == [
        (t.tx_num, t.txid, t.header_type, t.timestamp_seconds, t.timestamp_nanos) for t in txs
    ]
    for mine, derived in zip(prepared.txs, txs, strict=True):
        if block.metadata.metadata[2][mine.tx_num] == C.VALID:
            assert mine.rwset == derived.rwset


def test_commit_with_and_without_prepared_store_the_same(
    tmp_path: Path, org1: Org, org2: Org, orderer_org: Org
) -> None:
    worlds = []
    for name in ("with", "without"):
        w = World.create(tmp_path / name, org1, org2, orderer_org)
        w.define("basic", sig_policy(EITHER))
        worlds.append(w)
    builder = RWSetBuilder()
    builder.add_write("basic", "k", b"v")
    builder.add_metadata_write("basic", "k", {"m": b"1"})
    envelope = worlds[0].tx(builder)
    stored = []
    for use_prepared, w in zip((True, False), worlds, strict=True):
        block = w.next_block([envelope])
        validation = validate_block_for_commit(block, w.bundle, w.ledger)
        set_filter(block, validation.codes)
        w.ledger.commit(block, prepared=validation.prepared if use_prepared else None)
        stored.append(w.ledger.get_block(block.header.number))
        assert w.ledger.get_state("basic", "k").metadata == {"m": b"1"}
        assert [m.tx_id for m in w.ledger.history("basic", "k")] == [txid_of(envelope)]
    assert stored[0].metadata.metadata[COMMIT_HASH] == stored[1].metadata.metadata[COMMIT_HASH] != b""
    assert stored[0].metadata == stored[1].metadata  # (headers differ: each world's earlier blocks are its own)
    assert stored[0].data == stored[1].data


def test_stale_prepared_is_ignored(world: World) -> None:
    write_a = RWSetBuilder()
    write_a.add_write("basic", "a", b"from the stale validation")
    first = world.next_block([world.tx(write_a)])
    stale = validate_block_for_commit(first, world.bundle, world.ledger).prepared
    assert world.commit([world.tx(RWSetBuilder())]) == [C.VALID]  # the ledger moved on
    write_b = RWSetBuilder()
    write_b.add_write("basic", "b", b"committed")
    block = world.next_block([world.tx(write_b)])
    set_filter(block, [C.VALID])
    assert not usable_for(stale, block.header.number, world.ledger.height, bytes([C.VALID]))
    same_number = dataclasses.replace(stale, block_num=block.header.number)  # right number, old state
    assert not usable_for(same_number, block.header.number, world.ledger.height, bytes([C.VALID]))
    world.ledger.commit(block, prepared=same_number)
    assert world.ledger.get_state("basic", "b").value == b"committed"
    assert world.ledger.get_state("basic", "a").value == b"v0-a"


def test_prepared_for_another_filter_is_ignored(world: World) -> None:
    write = RWSetBuilder()
    write.add_write("basic", "a", b"only if valid")
    block = world.next_block([world.tx(write)])
    validation = validate_block_for_commit(block, world.bundle, world.ledger)
    assert validation.codes == [C.VALID]
    set_filter(block, [C.ENDORSEMENT_POLICY_FAILURE])
    assert not usable_for(validation.prepared, block.header.number, world.ledger.height, block.metadata.metadata[2])
    world.ledger.commit(block, prepared=validation.prepared)
    assert world.ledger.get_state("basic", "a").value == b"v0-a"


def test_failed_write_restores_the_block_and_applies_nothing(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    write = RWSetBuilder()
    write.add_write("basic", "a", b"never stored")
    block = world.next_block([world.tx(write)])
    validation = validate_block_for_commit(block, world.bundle, world.ledger)
    set_filter(block, validation.codes)
    before = block.SerializeToString()
    height = world.ledger.height

    def broken(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(Ledger, "_write_history", broken)
    with pytest.raises(OSError, match="disk full"):
        world.ledger.commit(block, prepared=validation.prepared)
    assert block.SerializeToString() == before
    assert world.ledger.height == height
    assert world.ledger.get_state("basic", "a").value == b"v0-a"
    monkeypatch.undo()
    world.ledger.commit(block, prepared=validation.prepared)
    assert world.ledger.get_state("basic", "a").value == b"never stored"
    assert block.metadata.metadata[COMMIT_HASH] != b""


def test_batched_reads_answer_like_point_reads(world: World) -> None:
    keys = [("basic", "a"), ("basic", "b"), ("basic", "missing"), ("other", "a"), ("basic", "a")]
    found = world.ledger.get_states(keys)
    for ns, key in keys:
        assert found.get((ns, key)) == world.ledger.get_state(ns, key)
    assert ("basic", "missing") not in found
    txids = [world.ledger.get_block(world.ledger.height - 1).data.data[0], b""]
    known = txid_of(txids[0])
    assert world.ledger.existing_txids([known, "f" * 64, known]) == {known}
    assert world.ledger.existing_txids([]) == set()


def test_batched_reads_span_chunks(world: World) -> None:
    many = [("basic", f"k{i:04d}") for i in range(1200)] + [("basic", "a")]
    found = world.ledger.get_states(many)
    assert list(found) == [("basic", "a")]
    assert world.ledger.existing_txids(f"{i:064x}" for i in range(1100)) == set()


class FixtureChannel(PeerChannel):
    """A PeerChannel over the world's ledger (whose fixture blocks carry no last-config metadata)."""

    def __init__(self, world: World) -> None:
        self.channel_id = CHANNEL
        self.ledger = world.ledger
        self.bundle = world.bundle
        self._bundle_factory = lambda block: world.bundle
        self._changed = asyncio.Condition()
        self.private_data_provider = None
        self._commit_waiters = {}


def test_peer_commits_with_prepared_and_with_codes_only_validators(world: World) -> None:
    """The committer takes ``validate_block_for_commit`` (prepared batch, txids) and any validator returning
    plain codes; commit waiters are woken with the code either way."""
    channel = FixtureChannel(world)

    async def run() -> list[tuple[int, int]]:
        statuses = []
        for validator, value in ((validate_block_for_commit, b"prepared"), (validate_block, b"codes only")):
            write = RWSetBuilder()
            write.add_write("basic", "a", value)
            envelope = world.tx(write)
            waiter = asyncio.ensure_future(channel.wait_for_commit(txid_of(envelope)))
            await asyncio.sleep(0)
            await commit_block(channel, world.next_block([envelope]), validator)
            statuses.append(await waiter)
            assert world.ledger.get_state("basic", "a").value == value
        return statuses

    height = world.ledger.height
    assert asyncio.run(run()) == [(C.VALID, height), (C.VALID, height + 1)]


def test_remembered_tip_matches_the_database(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Height, last block hash and commit hash kept in memory equal what the database holds, also after a
    failed commit and for a second Ledger opened on the same file."""
    ledger = world.ledger

    def stored_tip() -> tuple[int, bytes | None, bytes]:
        height = ledger._stored_height()
        return height, ledger.block_hash(height - 1), ledger.last_commit_hash()

    assert ledger._current_tip() == stored_tip()
    monkeypatch.setattr(Ledger, "_write_state", lambda *args: (_ for _ in ()).throw(OSError("io")))
    write = RWSetBuilder()
    write.add_write("basic", "a", b"x")
    with pytest.raises(OSError):
        world.commit([world.tx(write)])
    monkeypatch.undo()
    assert ledger.height == ledger._stored_height()
    assert ledger._current_tip() == stored_tip()
    assert world.commit([world.tx(write)]) == [C.VALID]
    assert ledger._current_tip() == stored_tip()
    path = Path(ledger._conn.execute("PRAGMA database_list").fetchall()[0][2])
    other = Ledger.open(path)
    assert other.height == ledger.height and other._current_tip() == ledger._current_tip()
    other.close()
