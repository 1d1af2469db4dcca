"""One channel on the orderer: accept envelopes, cut batches, write signed blocks durably.

The flow is Fabric's solo/etcdraft leader path without the replication: an accepted envelope goes to the
write-ahead log (one write per group of envelopes that arrived together, see :mod:`wal`) and then to the block cutter
(:mod:`blockcutter`); each cut batch becomes the next block (:mod:`blockwriter`), appended to the block
store (fsync) before anybody can Deliver it. The BatchTimeout timer starts when the first envelope of a
batch arrives and is cancelled when the batch is cut (``orderer/consensus/etcdraft/chain.go``: ``ticking``
/ ``timer``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import Any

from fabric_protos.common import common_pb2

from network.devnet.node import jsonlog
from network.devnet.orderer import wal
from network.devnet.orderer.blockcutter import Batch, BatchLimits, Pending, cut, ordered
from network.devnet.orderer.blocks import last_config_index
from network.devnet.orderer.blockstore import BlockStore
from network.devnet.orderer.blockwriter import OrdererSigner, next_block, raft_index_of
from network.devnet.orderer.configupdate import config_envelope, propose_config_update
from network.devnet.orderer.wal import WriteAheadLog

log = logging.getLogger("devnet.orderer.chain")
WAL_COMPACT_THRESHOLD = 10_000


def batch_limits(bundle: Any) -> BatchLimits:
    size = bundle.batch_size
    return BatchLimits(
        max_message_count=int(size.max_message_count),
        absolute_max_bytes=int(size.absolute_max_bytes),
        preferred_max_bytes=int(size.preferred_max_bytes),
    )


def settle(group: list[tuple[bytes, asyncio.Future[None]]], error: Exception | None) -> None:
    """Resolve the waiters of a logged group (skipping callers that were cancelled meanwhile)."""
    for _, waiter in group:
        if waiter.done():
            continue
        if error is None:
            waiter.set_result(None)
        else:
            waiter.set_exception(error)


class OrdererChain:
    """Blocks, WAL, cutter state and timer of one channel. All mutations happen under ``_lock``."""

    def __init__(
        self, channel_id: str, data_dir: Path, genesis: common_pb2.Block, signer: OrdererSigner, bundle_factory: Any
    ) -> None:
        self.channel_id = channel_id
        directory = data_dir / "chains" / channel_id
        self.store = BlockStore(directory / "blocks.bin", genesis)
        self.last_config = last_config_index(self.store.last) if self.store.height > 1 else 0
        self._bundle_factory = bundle_factory
        self.bundle = bundle_factory(self.store.get_block(self.last_config))
        self.signer = signer
        self.wal = WriteAheadLog(directory / "wal.log", raft_index_of(self.store.last))
        self.pending = Pending()
        self._lock = asyncio.Lock()
        self._timer: asyncio.Task[None] | None = None
        self._incoming: list[tuple[bytes, asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None

    # --- the BlockSource protocol used by Deliver ---------------------------------------------------
    @property
    def height(self) -> int:
        return self.store.height

    def get_block(self, number: int) -> common_pb2.Block:
        return self.store.get_block(number)

    async def wait_for_height(self, height: int) -> None:
        await self.store.wait_for_height(height)

    # --- ordering ------------------------------------------------------------------------------------
    async def recover(self) -> None:
        """Re-order envelopes that were acknowledged before a crash but never made it into a block."""
        if not self.wal.recovered:
            return
        jsonlog.event(
            log, "re-ordering envelopes recovered from the WAL", channel=self.channel_id, count=len(self.wal.recovered)
        )
        async with self._lock:
            for index, envelope, kind in self.wal.recovered:
                if kind == wal.CONFIG:
                    await self._write_config_block(index, envelope)
                else:
                    await self._enqueue(index, envelope)

    async def order(self, envelope: bytes) -> None:
        """Accept one already-admitted envelope. Returns after the WAL write that covers it.

        Envelopes arriving while a group is being logged are queued and logged together with one write,
        then acknowledged together (etcdraft batches proposals into one raft ``Ready`` the same way,
        ``etcdraft/storage.go`` ``Store``). An envelope is acknowledged only after the write covering it, so
        SUCCESS survives ``kill -9``. If the caller goes away the envelope may still be ordered, as in Fabric.
        """
        await self.submit(envelope)

    def submit(self, envelope: bytes) -> asyncio.Future[None]:
        """:meth:`order` without awaiting: queue the envelope now and return the future the WAL write that
        covers it resolves (Broadcast keeps one future per envelope instead of one task)."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._incoming.append((envelope, waiter))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_incoming())
        return waiter

    async def _flush_incoming(self) -> None:
        while self._incoming:
            group, self._incoming = self._incoming, []
            try:
                async with self._lock:
                    envelopes = [envelope for envelope, _ in group]
                    indexes = self.wal.append_group(envelopes)  # one write() of a few KB: no thread hop
                    for index, envelope in zip(indexes, envelopes, strict=True):
                        await self._enqueue(index, envelope)
            except Exception as exc:  # every waiter of the group learns the failure
                settle(group, exc)
            else:
                settle(group, None)

    async def configure(self, update: common_pb2.Envelope, payload_data: bytes) -> None:
        """Validate a CONFIG_UPDATE against the current config and order the resulting CONFIG transaction
        as a block of its own, after cutting whatever is pending (etcdraft ``Configure``). Raises
        :class:`ConfigUpdateError` when the update is refused; nothing is logged or written then."""
        async with self._lock:
            config = propose_config_update(payload_data, self.bundle)  # also refuses a config that would not load
            envelope = config_envelope(self.channel_id, config, update, self.signer).SerializeToString()
            index = self.wal.append(envelope, wal.CONFIG)
            await self._write_config_block(index, envelope)

    async def _write_config_block(self, index: int, envelope: bytes) -> None:
        batches, self.pending = cut(self.pending)
        await self._write_batches(batches)
        self._manage_timer()
        number = self.store.height
        block = next_block(self.store.last, [envelope], self.signer, number, raft_index=index)
        await self.store.append(block)
        self.last_config = number
        self.bundle = self._bundle_factory(block)
        jsonlog.event(
            log,
            "config block written",
            channel=self.channel_id,
            number=number,
            sequence=getattr(self.bundle, "sequence", None),
        )

    async def _enqueue(self, index: int, envelope: bytes) -> None:
        batches, self.pending = ordered(self.pending, index, envelope, batch_limits(self.bundle))
        await self._write_batches(batches)
        self._manage_timer()

    async def _write_batches(self, batches: list[Batch]) -> None:
        for batch in batches:
            block = next_block(
                self.store.last, [env for _, env in batch], self.signer, self.last_config, raft_index=batch[-1][0]
            )
            await self.store.append(block)
            jsonlog.event(log, "block written", channel=self.channel_id, number=block.header.number, txs=len(batch))
        if batches and not self.pending.items and len(self.wal) > WAL_COMPACT_THRESHOLD:
            self.wal.truncate()

    def _manage_timer(self) -> None:
        if self.pending.items and self._timer is None:
            self._timer = asyncio.create_task(self._batch_timeout(float(self.bundle.batch_timeout)))
        elif not self.pending.items and self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def _batch_timeout(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        async with self._lock:
            self._timer = None
            batches, self.pending = cut(self.pending)
            await self._write_batches(batches)

    async def close(self) -> None:
        if self._flusher is not None:
            await asyncio.wait([self._flusher])  # let an in-flight group finish its write; never raises
        if self._timer is not None:
            self._timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._timer
        self.wal.close()
        self.store.close()
