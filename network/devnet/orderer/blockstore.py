"""The orderer's durable chain of blocks for one channel.

Blocks are appended with fsync before they are announced to Deliver clients, and on open the store
re-checks the hash chain (``previous_hash`` of each block equals the header hash of its predecessor), so a
corrupted store is refused loudly instead of being served.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from fabric_protos.common import common_pb2

from network.devnet.orderer.blocks import block_header_hash
from network.devnet.orderer.recordfile import RecordFile


class ChainCorrupted(Exception):
    """The stored blocks do not form a hash chain."""


class BlockStore:
    """Blocks ``0..height-1`` of one channel, plus an asyncio condition signalled on every append."""

    def __init__(self, path: Path, genesis: common_pb2.Block) -> None:
        self._file = RecordFile(path)
        if len(self._file) == 0:
            if genesis.header.number != 0:
                raise ValueError(f"genesis block: header.number is {genesis.header.number}, expected 0")
            self._file.append(genesis.SerializeToString())
        self._last = self.get_block(len(self._file) - 1)
        self._verify_chain()
        self._changed = asyncio.Condition()

    def _verify_chain(self) -> None:
        previous: common_pb2.Block | None = None
        for number in range(len(self._file)):
            block = self.get_block(number)
            if block.header.number != number:
                raise ChainCorrupted(f"{self._file.path}: record {number} holds block {block.header.number}")
            if previous is not None and block.header.previous_hash != block_header_hash(previous.header):
                raise ChainCorrupted(f"{self._file.path}: block {number} previous_hash does not match")
            previous = block

    @property
    def height(self) -> int:
        return len(self._file)

    @property
    def last(self) -> common_pb2.Block:
        return self._last

    def get_block(self, number: int) -> common_pb2.Block:
        return common_pb2.Block.FromString(self._file.read(number))

    async def append(self, block: common_pb2.Block) -> None:
        if block.header.number != self.height:
            raise ValueError(f"block.header.number is {block.header.number}, expected {self.height}")
        if block.header.previous_hash != block_header_hash(self._last.header):
            raise ValueError(f"block {block.header.number}: previous_hash does not chain")
        # The fsync runs off the event loop so Broadcast keeps admitting envelopes meanwhile; appends are
        # serialised by the chain lock, and readers only see the record once its offset is published.
        await asyncio.to_thread(self._file.append, block.SerializeToString())
        self._last = block
        async with self._changed:
            self._changed.notify_all()

    async def wait_for_height(self, height: int) -> None:
        """Return once the chain holds at least ``height`` blocks."""
        async with self._changed:
            await self._changed.wait_for(lambda: self.height >= height)

    def close(self) -> None:
        self._file.close()
