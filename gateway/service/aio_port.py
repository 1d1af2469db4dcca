"""The production :class:`AsyncFabricPort`: ``gateway.client.aio`` over one ``grpc.aio`` channel per org.

Same steps and error mapping as the blocking ``client_port.ClientPort`` (endorse returns the envelope already
signed, so it can be stored before ``submit`` sends exactly those bytes), but every RPC is awaited on the
server's event loop: a submit waiting for its commit costs a suspended coroutine, not a parked thread.
A ``grpc.aio`` channel is bound to the loop it was created on, so it is opened lazily on first use - inside
the server's loop - by the ``open_channel`` callable.
"""

from __future__ import annotations

from collections.abc import Callable

import grpc

from gateway.client.aio import AsyncGateway, connect_async
from gateway.client.errors import GatewayError
from gateway.client.identity import Identity, Signer
from gateway.service.client_port import (
    config_block_orgs,
    failure_of,
    new_proposal_for,
    signed_commit_query,
    signed_prepared,
    stored_signature,
)
from gateway.service.fabric_port import (
    CommitStatus,
    FailureKind,
    PreparedTransaction,
    SigningIdentity,
    TxRequest,
)


class AsyncClientPort:
    MAX_GATEWAYS = 256  # wallet identities served; past this the cache starts over (never unbounded)

    def __init__(self, open_channel: Callable[[], grpc.aio.Channel]) -> None:
        self._open_channel = open_channel
        self._channel: grpc.aio.Channel | None = None
        self._gateways: dict[tuple[Identity, Signer], AsyncGateway] = {}

    def _gateway(self, who: SigningIdentity) -> AsyncGateway:
        """One ``AsyncGateway`` per (identity, signer) on the channel, made once: it holds only those, the gRPC
        stub and fixed timeouts, so a cached one is the one ``connect_async`` would build again (building one
        makes a stub of five RPC callables - three times per transaction otherwise)."""
        if self._channel is None:
            self._channel = self._open_channel()
        key = (who.identity, who.signer)
        gateway = self._gateways.get(key)
        if gateway is None:
            if len(self._gateways) >= self.MAX_GATEWAYS:
                self._gateways.clear()
            gateway = self._gateways[key] = connect_async(self._channel, who.identity, who.signer)
        return gateway

    async def endorse(self, who: SigningIdentity, request: TxRequest) -> PreparedTransaction:
        contract = self._gateway(who).get_network(request.channel).get_contract(request.chaincode)
        proposal = new_proposal_for(contract.new_proposal, request)
        try:
            transaction = await proposal.endorse()
        except GatewayError as error:
            raise failure_of(error, FailureKind.ENDORSE) from None
        return signed_prepared(who, request.channel, transaction)

    async def submit(self, who: SigningIdentity, prepared: PreparedTransaction) -> None:
        transaction = self._gateway(who).new_signed_transaction(prepared.envelope, stored_signature(prepared))
        try:
            await transaction.submit()
        except GatewayError as error:
            raise failure_of(error, FailureKind.SUBMIT) from None

    async def commit_status(self, who: SigningIdentity, channel: str, txid: str, timeout: float) -> CommitStatus:
        commit = self._gateway(who).new_signed_commit(*signed_commit_query(who, channel, txid))
        try:
            status = await commit.get_status(timeout)
        except GatewayError as error:
            raise failure_of(error, FailureKind.COMMIT_STATUS) from None
        return CommitStatus(txid, status.code, status.block_number)

    async def channel_orgs(self, who: SigningIdentity, channel: str) -> frozenset[str]:
        contract = self._gateway(who).get_network(channel).get_contract("cscc")
        try:
            block = await contract.evaluate("GetConfigBlock", [channel])
        except GatewayError as error:
            raise failure_of(error, FailureKind.EVALUATE) from None
        return config_block_orgs(block)

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close()
            self._channel = None
            self._gateways.clear()
