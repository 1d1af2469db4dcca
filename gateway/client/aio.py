"""Asyncio flavour of the client for ``grpc.aio`` channels (e.g. inside a FastAPI service).

Same shape and semantics as the sync API, from the same code: every ``Async*`` class is the shared base of its
concept (``ProposalBase``, ``TransactionBase`` ...) which builds, signs and parses, with each RPC flow bound by
``rpc.awaited`` instead of ``rpc.blocking``; only the RPC itself is awaited. Offline signing works the same
way: ``bytes``/``digest`` here, ``AsyncGateway.new_signed_*`` to rebuild.
"""

from __future__ import annotations

import asyncio
from typing import Any

import grpc

from gateway.client.commit import CommitBase, SubmittedBase
from gateway.client.context import CallTimeouts, Hash, client_context, sha256
from gateway.client.contract import ContractBase
from gateway.client.errors import ChaincodeEventsError, is_cancelled
from gateway.client.events import ChaincodeEvent, ChaincodeEventsRequestBase, events_of
from gateway.client.gateway import GatewayBase
from gateway.client.identity import Identity, Signer
from gateway.client.network import NetworkBase
from gateway.client.proposal import ProposalBase
from gateway.client.rpc import awaited
from gateway.client.transaction import TransactionBase


class AsyncCommit(CommitBase):
    get_status = awaited(CommitBase.status_flow)


class AsyncSubmittedTransaction(SubmittedBase, AsyncCommit):
    """A transaction accepted by the orderer; ``await get_status()`` waits until it commits."""


class AsyncTransaction(TransactionBase[AsyncSubmittedTransaction]):
    submitted_type = AsyncSubmittedTransaction
    submit = awaited(TransactionBase.submit_flow)


class AsyncProposal(ProposalBase[AsyncTransaction]):
    transaction_type = AsyncTransaction
    evaluate = awaited(ProposalBase.evaluate_flow)
    endorse = awaited(ProposalBase.endorse_flow)


class AsyncContract(ContractBase[AsyncProposal]):
    proposal_type = AsyncProposal
    evaluate = awaited(ContractBase.evaluate_flow)
    evaluate_transaction = awaited(ContractBase.evaluate_transaction_flow)
    submit_async = awaited(ContractBase.submit_async_flow)
    submit = awaited(ContractBase.submit_flow)
    submit_transaction = awaited(ContractBase.submit_transaction_flow)


class AsyncChaincodeEventIterator:
    """``async for`` over chaincode events; ``close()`` cancels the stream."""

    def __init__(self, call: Any) -> None:
        self._call = call
        self._pending: list[ChaincodeEvent] = []

    def __aiter__(self) -> AsyncChaincodeEventIterator:
        return self

    async def __anext__(self) -> ChaincodeEvent:
        while not self._pending:
            try:
                response = await self._call.read()
            except grpc.RpcError as error:
                if is_cancelled(error):
                    raise StopAsyncIteration from None
                raise ChaincodeEventsError.from_rpc_error(error) from error
            except asyncio.CancelledError:
                if self._call.cancelled():  # our own close(), not cancellation of the awaiting task
                    raise StopAsyncIteration from None
                raise
            if response is grpc.aio.EOF:
                raise StopAsyncIteration
            self._pending = events_of(response)
        return self._pending.pop(0)

    def close(self) -> None:
        self._call.cancel()

    async def __aenter__(self) -> AsyncChaincodeEventIterator:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()


class AsyncChaincodeEventsRequest(ChaincodeEventsRequestBase[AsyncChaincodeEventIterator]):
    iterator = AsyncChaincodeEventIterator


class AsyncNetwork(NetworkBase[AsyncContract, AsyncCommit, AsyncChaincodeEventsRequest, AsyncChaincodeEventIterator]):
    contract_type = AsyncContract
    commit_type = AsyncCommit
    events_request_type = AsyncChaincodeEventsRequest


class AsyncGateway(
    GatewayBase[AsyncNetwork, AsyncProposal, AsyncTransaction, AsyncCommit, AsyncChaincodeEventsRequest]
):
    network_type = AsyncNetwork
    proposal_type = AsyncProposal
    transaction_type = AsyncTransaction
    commit_type = AsyncCommit
    events_request_type = AsyncChaincodeEventsRequest


def connect_async(
    client: grpc.aio.Channel,
    identity: Identity,
    signer: Signer | None = None,
    hash: Hash = sha256,
    timeouts: CallTimeouts | None = None,
) -> AsyncGateway:
    """Like ``connect`` but for a ``grpc.aio`` channel; every RPC method is a coroutine."""
    return AsyncGateway(client_context(client, identity, signer, hash, timeouts, with_deliver=False))


__all__ = [
    "AsyncChaincodeEventIterator",
    "AsyncCommit",
    "AsyncContract",
    "AsyncGateway",
    "AsyncNetwork",
    "AsyncProposal",
    "AsyncSubmittedTransaction",
    "AsyncTransaction",
    "connect_async",
]
