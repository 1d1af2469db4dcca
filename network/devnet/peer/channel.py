"""One channel as a peer sees it: its config bundle, its ledger, and the waiters for commits.

D3's endorser and gateway services use ``.bundle``, ``.ledger`` and ``.wait_for_commit(txid)``; the peer's
Deliver service uses ``.height``, ``.get_block`` and ``.wait_for_height`` (the
:class:`network.devnet.deliver.handler.BlockSource` protocol).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fabric_protos.common import common_pb2

from network.devnet.orderer.blocks import is_config_block, last_config_index


def default_bundle_factory() -> Any:
    from network.devnet.channelconfig import bundle_from_config_block

    return bundle_from_config_block


def open_ledger(path: Path, genesis: common_pb2.Block) -> Any:
    from network.devnet.ledger import Ledger

    return Ledger.open(path, genesis)


class PeerChannel:
    def __init__(self, channel_id: str, ledger: Any, bundle_factory: Any) -> None:
        self.channel_id = channel_id
        self.ledger = ledger
        self._bundle_factory = bundle_factory
        tip = ledger.get_block(ledger.height - 1)
        config_number = last_config_index(tip) if tip.header.number > 0 else 0
        self.bundle = bundle_factory(ledger.get_block(config_number))
        self._changed = asyncio.Condition()
        # Set by the endorser (D3) to its transient store: txid -> TxPvtReadWriteSet simulated on this peer.
        # Fabric's committer reads private data from the transient store (``gossip/privdata/coordinator.go``).
        self.private_data_provider: Callable[[str], Any] | None = None
        self._commit_waiters: dict[str, list[asyncio.Future[tuple[int, int]]]] = {}

    # --- BlockSource ---------------------------------------------------------------------------------
    @property
    def height(self) -> int:
        return int(self.ledger.height)

    def get_block(self, number: int) -> common_pb2.Block:
        block = self.ledger.get_block(number)
        if block is None:
            raise KeyError(f"block {number} not in ledger of channel {self.channel_id}")
        return block

    async def wait_for_height(self, height: int) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: self.height >= height)

    # --- commits ------------------------------------------------------------------------------------
    async def wait_for_commit(self, txid: str) -> tuple[int, int]:
        """Block until ``txid`` is committed; returns (TxValidationCode, block number)."""
        future: asyncio.Future[tuple[int, int]] = asyncio.get_running_loop().create_future()
        self._commit_waiters.setdefault(txid, []).append(future)
        try:
            status = self.ledger.txid_status(txid)
            if status is not None:
                return int(status[0]), int(status[1])
            return await future
        finally:
            waiters = self._commit_waiters.get(txid, [])
            if future in waiters:
                waiters.remove(future)
            if not waiters:
                self._commit_waiters.pop(txid, None)

    async def committed(self, block: common_pb2.Block, txids: list[str] | None = None) -> None:
        """Called by the committer after ``block`` is durably in the ledger; ``txids`` (one per transaction,
        as the ledger indexed them) saves decoding every envelope again."""
        if is_config_block(block):
            self.bundle = self._bundle_factory(block)
        txfilter = block.metadata.metadata[common_pb2.TRANSACTIONS_FILTER]
        if txids is None or len(txids) != len(block.data.data):
            txids = [_txid(raw) for raw in block.data.data]
        for index, txid in enumerate(txids):
            for future in self._commit_waiters.get(txid, []) if txid else []:
                if not future.done():
                    future.set_result((txfilter[index], block.header.number))
        async with self._changed:
            self._changed.notify_all()


def private_data_for(
    block: common_pb2.Block, provider: Callable[[str], Any] | None, txids: list[str] | None = None
) -> dict[int, Any]:
    """Private rwsets this peer holds for the block's transactions, by tx index (the ledger hash-checks them)."""
    if provider is None:
        return {}
    if txids is None or len(txids) != len(block.data.data):
        txids = [_txid(raw) for raw in block.data.data]
    found = {}
    for index, txid in enumerate(txids):
        pvt = provider(txid) if txid else None
        if pvt is not None:
            found[index] = pvt
    return found


def _txid(raw: bytes) -> str:
    try:
        env = common_pb2.Envelope.FromString(raw)
        payload = common_pb2.Payload.FromString(env.payload)
        return common_pb2.ChannelHeader.FromString(payload.header.channel_header).tx_id
    except Exception:
        return ""
