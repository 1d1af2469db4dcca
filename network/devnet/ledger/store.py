"""One channel's ledger on one peer: block store, world state, hashed private state, history, txid index.

Everything lives in one SQLite database in WAL mode with ``synchronous=FULL``; each block is committed in a
single SQLite transaction, so a crash leaves either the whole block (block bytes, state, history, index,
commit hash) or none of it. That gives the property Fabric obtains with its block-store savepoints and
state-DB recovery (``core/ledger/kvledger/kv_ledger.go`` ``recoverDBs``) without a replay step.
Keys are stored as BLOBs, so SQLite's memcmp ordering equals LevelDB's byte ordering for range scans.
"""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from fabric_protos.common import common_pb2, ledger_pb2
from fabric_protos.ledger.rwset import rwset_pb2
from fabric_protos.ledger.rwset.kvrwset import kv_rwset_pb2
from fabric_protos.peer import transaction_pb2

from network.configtx.block import block_data_hash, block_header_hash
from network.devnet.ledger.blockparse import (
    COMMIT_HASH,
    TRANSACTIONS_FILTER,
    TxSummary,
    ensure_metadata_slots,
    summarize_block,
)
from network.devnet.ledger.commithash import compute_commit_hash, should_compute_commit_hash, update_batch_bytes
from network.devnet.ledger.prepared import PreparedCommit, usable_for
from network.devnet.ledger.updates import UpdateBatch, apply_tx_rwset
from network.devnet.ledger.version import KeyModification, Version, VersionedValue

VALID = transaction_pb2.TxValidationCode.VALID

_SCHEMA = """
CREATE TABLE IF NOT EXISTS blocks (num INTEGER PRIMARY KEY, hash BLOB NOT NULL, data BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS blocks_by_hash ON blocks (hash);
CREATE TABLE IF NOT EXISTS txids (txid TEXT PRIMARY KEY, block_num INTEGER NOT NULL, tx_num INTEGER NOT NULL,
                                  code INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS state (ns TEXT NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL,
                                  block_num INTEGER NOT NULL, tx_num INTEGER NOT NULL, metadata BLOB NOT NULL,
                                  PRIMARY KEY (ns, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pvt_hash (ns TEXT NOT NULL, coll TEXT NOT NULL, key_hash BLOB NOT NULL,
                                     value_hash BLOB NOT NULL, block_num INTEGER NOT NULL,
                                     tx_num INTEGER NOT NULL, metadata BLOB NOT NULL,
                                     PRIMARY KEY (ns, coll, key_hash)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS history (ns TEXT NOT NULL, key BLOB NOT NULL, block_num INTEGER NOT NULL,
                                    tx_num INTEGER NOT NULL, txid TEXT NOT NULL, value BLOB NOT NULL,
                                    is_delete INTEGER NOT NULL, ts_seconds INTEGER NOT NULL,
                                    ts_nanos INTEGER NOT NULL, PRIMARY KEY (ns, key, block_num, tx_num))
                                    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pvt_data (ns TEXT NOT NULL, coll TEXT NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL,
                                     block_num INTEGER NOT NULL, tx_num INTEGER NOT NULL,
                                     PRIMARY KEY (ns, coll, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);
"""


SQL_VARIABLES_PER_QUERY = 500
"""Bound parameters per batched read (SQLite's compile-time limit is 999 on old builds, 32766 on new)."""


def _chunks(items: list[Any], size: int = SQL_VARIABLES_PER_QUERY) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class LedgerError(Exception):
    """A block that cannot be appended (wrong number, broken hash chain, bad filter); nothing was written."""


def _encode_metadata(metadata: dict[str, bytes]) -> bytes:
    if not metadata:
        return b""  # what an empty KVMetadataWrite serializes to
    entries = [kv_rwset_pb2.KVMetadataEntry(name=n, value=metadata[n]) for n in sorted(metadata, key=str.encode)]
    return kv_rwset_pb2.KVMetadataWrite(entries=entries).SerializeToString()


def _decode_metadata(data: bytes) -> dict[str, bytes]:
    return {e.name: bytes(e.value) for e in kv_rwset_pb2.KVMetadataWrite.FromString(data).entries}


def _version_cols(version: Version) -> tuple[int, int]:
    return version.block_num, version.tx_num


def _versioned(row: tuple[bytes, int, int, bytes]) -> VersionedValue:
    return VersionedValue(bytes(row[0]), Version(row[1], row[2]), _decode_metadata(row[3]))


def check_block_appendable(block: common_pb2.Block, height: int, previous_hash: bytes | None) -> None:
    """A block must extend the chain exactly: next number, previous header hash, matching data hash."""
    if block.header.number != height:
        raise LedgerError(f"header.number: expected {height}, got {block.header.number}")
    if previous_hash is not None and block.header.previous_hash != previous_hash:
        raise LedgerError(f"header.previous_hash: does not match hash of block {height - 1}")
    if block.header.data_hash != block_data_hash(block.data):
        raise LedgerError("header.data_hash: does not match block data")
    txfilter = bytes(block.metadata.metadata[TRANSACTIONS_FILTER])
    if len(txfilter) != len(block.data.data):
        raise LedgerError(
            f"metadata[TRANSACTIONS_FILTER]: has {len(txfilter)} flags for {len(block.data.data)} transactions"
        )


class Ledger:
    """Crash-safe ledger of one channel. Thread-safe; async subscribers are woken on every commit."""

    def __init__(self, conn: sqlite3.Connection, reader: sqlite3.Connection | None = None) -> None:
        self._conn = conn
        self._lock = threading.RLock()
        # Reads go through their own connection: in WAL mode a reader sees the last committed block and
        # never waits for a commit in progress (its fsync included), so endorsements and Deliver are not
        # stalled behind the committer. Without one (tests), reads share the writer connection.
        self._reader = reader if reader is not None else conn
        self._read_lock = threading.Lock() if reader is not None else self._lock
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
        self._listeners: list[Callable[[common_pb2.Block], None]] = []
        # (height, header hash of the last block, last commit hash) as of the last commit through this object,
        # which is the database's only writer; None = not known, read from the database. Set only after a
        # commit's COMMIT returned and dropped when a commit fails, so it never runs ahead of the database.
        self._tip: tuple[int, bytes | None, bytes] | None = None

    # -- opening ------------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path, genesis_block: common_pb2.Block | None = None) -> Ledger:
        """Open (creating if needed) the ledger at ``path`` (a directory, or a ``.sqlite``/``.db`` file).

        A new ledger is initialised with ``genesis_block``; an existing one must have the same block 0.
        """
        path = Path(path)
        if path.suffix not in (".sqlite", ".db"):
            path.mkdir(parents=True, exist_ok=True)
            path = path / "ledger.sqlite"
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.executescript(_SCHEMA)
        reader = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        ledger = cls(conn, reader)
        if genesis_block is not None:
            if ledger.height == 0:
                ledger.commit(genesis_block)
            elif ledger.block_hash(0) != block_header_hash(genesis_block.header):
                ledger.close()
                raise LedgerError("genesis_block: differs from block 0 already in the ledger")
        return ledger

    def close(self) -> None:
        with self._lock, self._read_lock:
            if self._reader is not self._conn:
                self._reader.close()
            self._conn.close()

    def _one(self, sql: str, args: tuple[object, ...] = ()) -> tuple[Any, ...] | None:
        """First row or None. ``fetchall`` runs the statement to completion, so no read transaction is left
        open on the reader (an open one would pin an old snapshot and hold back WAL checkpoints)."""
        with self._read_lock:
            rows = self._reader.execute(sql, args).fetchall()
        return rows[0] if rows else None

    # -- blocks -------------------------------------------------------------------------------------
    @property
    def height(self) -> int:
        tip = self._tip
        return tip[0] if tip is not None else self._stored_height()

    def _stored_height(self) -> int:
        row = self._one("SELECT MAX(num) FROM blocks")
        return 0 if row is None or row[0] is None else row[0] + 1

    def _current_tip(self) -> tuple[int, bytes | None, bytes]:
        """Height, last block hash and last commit hash; from memory after the first commit (under _lock)."""
        if self._tip is None:
            height = self._stored_height()
            self._tip = (height, self.block_hash(height - 1) if height else None, self.last_commit_hash())
        return self._tip

    def block_hash(self, num: int) -> bytes | None:
        row = self._one("SELECT hash FROM blocks WHERE num=?", (num,))
        return None if row is None else bytes(row[0])

    def get_block(self, num: int) -> common_pb2.Block | None:
        row = self._one("SELECT data FROM blocks WHERE num=?", (num,))
        return None if row is None else common_pb2.Block.FromString(row[0])

    def get_block_by_hash(self, block_hash: bytes) -> common_pb2.Block | None:
        """``qscc GetBlockByHash``: the block whose header hashes to ``block_hash``."""
        row = self._one("SELECT data FROM blocks WHERE hash=?", (block_hash,))
        return None if row is None else common_pb2.Block.FromString(row[0])

    def blockchain_info(self) -> ledger_pb2.BlockchainInfo:
        """``qscc GetChainInfo``: height, current and previous block hashes."""
        height = self.height
        info = ledger_pb2.BlockchainInfo(height=height)
        if height:
            info.currentBlockHash = self.block_hash(height - 1) or b""
            last = self.get_block(height - 1)
            info.previousBlockHash = last.header.previous_hash if last is not None else b""
        return info

    def get_block_by_txid(self, txid: str) -> common_pb2.Block | None:
        status = self._tx_location(txid)
        return None if status is None else self.get_block(status[0])

    def get_tx_envelope(self, txid: str) -> tuple[common_pb2.Envelope, int] | None:
        """The transaction envelope and its validation code (``qscc GetTransactionByID``)."""
        loc = self._tx_location(txid)
        if loc is None:
            return None
        block = self.get_block(loc[0])
        assert block is not None
        return common_pb2.Envelope.FromString(block.data.data[loc[1]]), loc[2]

    def _tx_location(self, txid: str) -> tuple[int, int, int] | None:
        row = self._one("SELECT block_num, tx_num, code FROM txids WHERE txid=?", (txid,))
        return None if row is None else (row[0], row[1], row[2])

    def txid_status(self, txid: str) -> tuple[int, int] | None:
        """(TxValidationCode, block number) of the first transaction with this id, or None."""
        loc = self._tx_location(txid)
        return None if loc is None else (loc[2], loc[0])

    def txid_exists(self, txid: str) -> bool:
        return self._tx_location(txid) is not None

    def existing_txids(self, txids: Iterable[str]) -> set[str]:
        """The ones among ``txids`` already in the ledger: :meth:`txid_exists` for many ids, one query per
        chunk (a block's duplicate-txid check in one round trip)."""
        wanted = sorted(set(txids))
        found: set[str] = set()
        with self._read_lock:
            for chunk in _chunks(wanted):
                marks = ",".join("?" * len(chunk))
                rows = self._reader.execute(f"SELECT txid FROM txids WHERE txid IN ({marks})", chunk).fetchall()
                found.update(r[0] for r in rows)
        return found

    def last_commit_hash(self) -> bytes:
        row = self._one("SELECT value FROM meta WHERE name='commit_hash'")
        return b"" if row is None else bytes(row[0])

    # -- state --------------------------------------------------------------------------------------
    def get_state(self, ns: str, key: str) -> VersionedValue | None:
        row = self._one("SELECT value, block_num, tx_num, metadata FROM state WHERE ns=? AND key=?", (ns, key.encode()))
        return None if row is None else _versioned(row)

    def get_states(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], VersionedValue]:
        """:meth:`get_state` for many (namespace, key) pairs at once; absent keys are left out. All chunks are
        read in one read transaction, so they see the same committed block."""
        by_ns: dict[str, dict[bytes, str]] = {}
        for ns, key in keys:
            by_ns.setdefault(ns, {})[key.encode()] = key
        found: dict[tuple[str, str], VersionedValue] = {}
        with self._read_lock:
            own_transaction = not self._reader.in_transaction
            if own_transaction:
                self._reader.execute("BEGIN")
            try:
                for ns, wanted in by_ns.items():
                    for chunk in _chunks(sorted(wanted)):
                        marks = ",".join("?" * len(chunk))
                        rows = self._reader.execute(
                            "SELECT key, value, block_num, tx_num, metadata FROM state "
                            f"WHERE ns=? AND key IN ({marks})",
                            [ns, *chunk],
                        ).fetchall()
                        for row in rows:
                            found[(ns, wanted[bytes(row[0])])] = _versioned(row[1:])
            finally:
                if own_transaction:
                    self._reader.execute("COMMIT")
        return found

    def range(self, ns: str, start_key: str, end_key: str) -> Iterator[tuple[str, VersionedValue]]:
        """Keys in [start_key, end_key) in byte order; "" means unbounded on that side."""
        sql = "SELECT key, value, block_num, tx_num, metadata FROM state WHERE ns=? AND key>=?"
        args: list[object] = [ns, start_key.encode()]
        if end_key:
            sql += " AND key<?"
            args.append(end_key.encode())
        with self._read_lock:
            rows = self._reader.execute(sql + " ORDER BY key", args).fetchall()
        for row in rows:
            yield bytes(row[0]).decode(), _versioned(row[1:])

    def get_private_hash(self, ns: str, collection: str, key_hash: bytes) -> VersionedValue | None:
        row = self._one(
            "SELECT value_hash, block_num, tx_num, metadata FROM pvt_hash WHERE ns=? AND coll=? AND key_hash=?",
            (ns, collection, key_hash),
        )
        return None if row is None else _versioned(row)

    def get_private_data(self, ns: str, collection: str, key: str) -> VersionedValue | None:
        """Private value stored at commit from the private rwsets handed to :meth:`commit`."""
        row = self._one(
            "SELECT value, block_num, tx_num FROM pvt_data WHERE ns=? AND coll=? AND key=?",
            (ns, collection, key.encode()),
        )
        return None if row is None else VersionedValue(bytes(row[0]), Version(row[1], row[2]))

    def history(self, ns: str, key: str) -> Iterator[KeyModification]:
        """Modifications of a key, newest first (Fabric v2 history order)."""
        with self._read_lock:
            rows = self._reader.execute(
                "SELECT txid, value, ts_seconds, ts_nanos, is_delete, block_num, tx_num FROM history "
                "WHERE ns=? AND key=? ORDER BY block_num DESC, tx_num DESC",
                (ns, key.encode()),
            ).fetchall()
        for r in rows:
            yield KeyModification(r[0], bytes(r[1]), r[2], r[3], bool(r[4]), r[5], r[6])

    # -- commit -------------------------------------------------------------------------------------
    def commit(
        self,
        block: common_pb2.Block,
        private_data: Mapping[int, rwset_pb2.TxPvtReadWriteSet] | None = None,
        prepared: PreparedCommit | None = None,
    ) -> None:
        """Append a validated block; sets metadata[COMMIT_HASH] (block >= 1). All-or-nothing.

        metadata[TRANSACTIONS_FILTER] must already hold one code per transaction (for block 0 an absent
        filter is taken as all VALID, as the peer's genesis commit does). ``private_data`` maps a tx index
        to its private rwset; only collections of VALID transactions whose SHA-256 equals the
        ``pvt_rwset_hash`` in the public rwset are stored (``pvtdatastorage``: mismatches are "missing").
        ``prepared`` is the validator's update batch and transaction summaries for this block; it is used
        only when :func:`usable_for` proves it equal to what would be derived here, else ignored.
        """
        ensure_metadata_slots(block)
        with self._lock:
            height, last_hash, previous = self._current_tip()
            if height == 0 and not block.metadata.metadata[TRANSACTIONS_FILTER]:
                block.metadata.metadata[TRANSACTIONS_FILTER] = bytes(len(block.data.data))
            check_block_appendable(block, height, last_hash)
            txfilter = bytes(block.metadata.metadata[TRANSACTIONS_FILTER])
            if prepared is not None and usable_for(prepared, block.header.number, height, txfilter):
                txs, batch = prepared.txs, prepared.batch
            else:
                txs, batch = self._prepare(block, txfilter)
            commit_hash = b""
            if should_compute_commit_hash(block.header.number, previous):
                commit_hash = compute_commit_hash(txfilter, update_batch_bytes(batch), previous)
            # Written into the caller's block (no copy of it); put back as it was if the write fails.
            metadata = block.metadata.metadata
            before = metadata[COMMIT_HASH]
            if commit_hash:
                metadata[COMMIT_HASH] = common_pb2.Metadata(value=commit_hash).SerializeToString()
            header_hash = block_header_hash(block.header)
            try:
                self._write(block, header_hash, txs, txfilter, batch, commit_hash, private_data or {})
            except BaseException:
                metadata[COMMIT_HASH] = before
                self._tip = None
                raise
            self._tip = (height + 1, header_hash, commit_hash or previous)
        self._notify(block)

    def _prepare(self, block: common_pb2.Block, txfilter: bytes) -> tuple[list[TxSummary], UpdateBatch]:
        """Transaction summaries and the update batch of the VALID transactions, derived from the block."""
        txs = summarize_block(block)
        batch = UpdateBatch()
        for tx in txs:
            if txfilter[tx.tx_num] != VALID:
                continue
            if tx.rwset_undecodable:
                raise LedgerError(
                    f"metadata[TRANSACTIONS_FILTER][{tx.tx_num}]: VALID, but the transaction's rwset does not decode"
                )
            if tx.rwset is not None:
                apply_tx_rwset(batch, self, tx.rwset, Version(block.header.number, tx.tx_num))
        return txs, batch

    def _write(
        self,
        block: common_pb2.Block,
        header_hash: bytes,
        txs: list[TxSummary],
        txfilter: bytes,
        batch: UpdateBatch,
        commit_hash: bytes,
        private_data: Mapping[int, rwset_pb2.TxPvtReadWriteSet],
    ) -> None:
        num = block.header.number
        c = self._conn
        c.execute("BEGIN IMMEDIATE")
        try:
            c.execute(
                "INSERT INTO blocks (num, hash, data) VALUES (?,?,?)",
                (num, header_hash, block.SerializeToString()),
            )
            c.executemany(
                "INSERT OR IGNORE INTO txids (txid, block_num, tx_num, code) VALUES (?,?,?,?)",
                [(tx.txid, num, tx.tx_num, txfilter[tx.tx_num]) for tx in txs if tx.txid],
            )
            self._write_state(batch)
            self._write_history(txs, txfilter, num)
            self._write_private(txs, txfilter, num, private_data)
            if commit_hash:
                c.execute("INSERT OR REPLACE INTO meta (name, value) VALUES ('commit_hash', ?)", (commit_hash,))
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise

    def _write_state(self, batch: UpdateBatch) -> None:
        c = self._conn
        deletes: list[tuple[str, bytes]] = []
        upserts: list[tuple[str, bytes, bytes, int, int, bytes]] = []
        for ns, updates in batch.public.items():
            for key, u in updates.items():
                if u.value is None:
                    deletes.append((ns, key.encode()))
                else:
                    upserts.append((ns, key.encode(), u.value, *_version_cols(u.version), _encode_metadata(u.metadata)))
        # A key appears once per batch, so deletes and upserts never touch the same row: order is irrelevant.
        c.executemany("DELETE FROM state WHERE ns=? AND key=?", deletes)
        c.executemany("INSERT OR REPLACE INTO state VALUES (?,?,?,?,?,?)", upserts)
        for ns, colls in batch.hashed.items():
            for coll, updates in colls.items():
                for khash, u in updates.items():
                    if u.value is None:
                        c.execute("DELETE FROM pvt_hash WHERE ns=? AND coll=? AND key_hash=?", (ns, coll, khash))
                    else:
                        c.execute(
                            "INSERT OR REPLACE INTO pvt_hash VALUES (?,?,?,?,?,?,?)",
                            (ns, coll, khash, u.value, *_version_cols(u.version), _encode_metadata(u.metadata)),
                        )

    def _write_history(self, txs: list[TxSummary], txfilter: bytes, num: int) -> None:
        """History records every public write of a VALID transaction (``history/db.go`` ``Commit``)."""
        rows: list[tuple[str, bytes, int, int, str, bytes, int, int, int]] = []
        for tx in txs:
            if txfilter[tx.tx_num] != VALID or tx.rwset is None:
                continue
            for ns_set in tx.rwset.namespaces:
                for w in ns_set.kv.writes:
                    rows.append(
                        (
                            ns_set.namespace,
                            w.key.encode(),
                            num,
                            tx.tx_num,
                            tx.txid,
                            bytes(w.value),
                            int(w.is_delete),
                            tx.timestamp_seconds,
                            tx.timestamp_nanos,
                        )
                    )
        # Same primary key twice within a tx (a key written twice) keeps the last one, as before.
        self._conn.executemany("INSERT OR REPLACE INTO history VALUES (?,?,?,?,?,?,?,?,?)", rows)

    def _write_private(
        self, txs: list[TxSummary], txfilter: bytes, num: int, private_data: Mapping[int, rwset_pb2.TxPvtReadWriteSet]
    ) -> None:
        for tx_num, pvt in private_data.items():
            if not 0 <= tx_num < len(txs) or txfilter[tx_num] != VALID or txs[tx_num].rwset is None:
                continue
            public = txs[tx_num].rwset
            assert public is not None
            expected = {
                (ns.namespace, coll.name): coll.pvt_rwset_hash for ns in public.namespaces for coll in ns.collections
            }
            for ns_pvt in pvt.ns_pvt_rwset:
                for coll in ns_pvt.collection_pvt_rwset:
                    if expected.get((ns_pvt.namespace, coll.collection_name)) != hashlib.sha256(coll.rwset).digest():
                        continue
                    for w in kv_rwset_pb2.KVRWSet.FromString(coll.rwset).writes:
                        where = (ns_pvt.namespace, coll.collection_name, w.key.encode())
                        if w.is_delete:
                            self._conn.execute("DELETE FROM pvt_data WHERE ns=? AND coll=? AND key=?", where)
                        else:
                            self._conn.execute(
                                "INSERT OR REPLACE INTO pvt_data VALUES (?,?,?,?,?,?)",
                                (*where, bytes(w.value), num, tx_num),
                            )

    # -- notifications ------------------------------------------------------------------------------
    def add_listener(self, callback: Callable[[common_pb2.Block], None]) -> Callable[[], None]:
        """Call ``callback(block)`` after each commit (on the committing thread); returns an unsubscriber."""
        with self._lock:
            self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    def _notify(self, block: common_pb2.Block) -> None:
        for callback in list(self._listeners):
            callback(block)
        for loop, event in list(self._waiters):
            if loop.is_closed():
                continue
            loop.call_soon_threadsafe(event.set)

    async def subscribe(self, start: int | None = None) -> AsyncIterator[common_pb2.Block]:
        """Committed blocks from ``start`` (default: the next one to be committed) onwards, forever."""
        loop = asyncio.get_running_loop()
        event = asyncio.Event()
        waiter = (loop, event)
        self._waiters.append(waiter)
        try:
            next_num = self.height if start is None else start
            while True:
                while next_num < self.height:
                    block = self.get_block(next_num)
                    assert block is not None
                    yield block
                    next_num += 1
                await event.wait()
                event.clear()
        finally:
            self._waiters.remove(waiter)
