"""Block puller: a Deliver stream from an orderer, verified block by block (used by the peer).

Like ``internal/pkg/peer/blocksprovider/deliverer.go``: request ``SeekInfo{start = ledger height,
stop = max, BLOCK_UNTIL_READY}`` signed by the peer's identity; verify each block (:mod:`blockverify`);
hand it to the committer; on any error drop the stream and reconnect to the next orderer with exponential
backoff (bounded), resuming from the ledger height.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import grpc
from fabric_protos.common import common_pb2
from fabric_protos.orderer import ab_pb2_grpc

from gateway.client.identity import Signer
from network.devnet.deliver.blockverify import BlockVerificationError, verify_pulled_block
from network.devnet.deliver.request import MAX_BLOCK, seek_envelope, seek_info, seek_specified
from network.devnet.node import jsonlog
from network.devnet.node.grpcserver import client_channel

log = logging.getLogger("devnet.deliver.puller")
MIN_BACKOFF = 0.1
MAX_BACKOFF = 5.0


class PullTarget(Protocol):
    """The channel being filled: its id, ledger height and blocks, and its current config bundle."""

    channel_id: str

    @property
    def height(self) -> int: ...

    @property
    def bundle(self) -> Any: ...

    def get_block(self, number: int) -> common_pb2.Block: ...


@dataclass(frozen=True)
class Endpoint:
    """A node another node can dial: MSP ID, host name (TLS name), ``127.0.0.1:port``, TLS root cert PEM."""

    mspid: str
    host: str
    address: str
    tls_root_cert: bytes


def next_backoff(current: float) -> float:
    return min(MAX_BACKOFF, max(MIN_BACKOFF, current * 2))


class BlockPuller:
    def __init__(
        self,
        channel: PullTarget,
        orderers: list[Endpoint],
        creator: bytes,
        sign: Signer,
        commit: Callable[[common_pb2.Block], Awaitable[None]],
    ) -> None:
        self.channel = channel
        self.orderers = orderers
        self.creator = creator
        self.sign = sign
        self.commit = commit
        self.connected = False

    async def run(self) -> None:
        backoff = MIN_BACKOFF
        while True:
            for endpoint in random.sample(self.orderers, len(self.orderers)):
                try:
                    pulled = await self._pull_from(endpoint)
                except (grpc.aio.AioRpcError, BlockVerificationError, OSError) as exc:
                    jsonlog.event(
                        log,
                        "block pull interrupted",
                        logging.WARNING,
                        channel=self.channel.channel_id,
                        orderer=endpoint.host,
                        error=str(exc)[:300],
                    )
                    pulled = 0
                finally:
                    self.connected = False
                if pulled:
                    backoff = MIN_BACKOFF
            await asyncio.sleep(backoff)
            backoff = next_backoff(backoff)

    async def _pull_from(self, endpoint: Endpoint) -> int:
        """Stream blocks until the stream ends or fails; returns how many blocks were committed."""
        pulled = 0
        async with client_channel(endpoint.address, endpoint.tls_root_cert, endpoint.host) as grpc_channel:
            stub = ab_pb2_grpc.AtomicBroadcastStub(grpc_channel)
            start = self.channel.height
            seek = seek_info(seek_specified(start), seek_specified(MAX_BLOCK))
            request = seek_envelope(self.channel.channel_id, seek, self.creator, self.sign)
            call = stub.Deliver(iter([request]))
            previous = self.channel.get_block(start - 1).header
            self.connected = True
            async for response in call:
                kind = response.WhichOneof("Type")
                if kind == "status":
                    jsonlog.event(
                        log,
                        "orderer ended deliver stream",
                        channel=self.channel.channel_id,
                        orderer=endpoint.host,
                        status=common_pb2.Status.Name(response.status),
                    )
                    return pulled
                block = response.block
                verify_pulled_block(block, previous, self.channel.bundle)
                await self.commit(block)
                previous = block.header
                pulled += 1
        return pulled
