"""Asyncio flavour of the client for ``grpc.aio`` channels (e.g. inside a FastAPI service).

Same shape and semantics as the sync API: every ``Async*`` object wraps the sync object, which builds and checks
the requests (``Proposal.endorse_request`` ...) and interprets the responses (``Proposal.endorsed``,
``Commit.status_of``, ``Transaction.submitted``); only the RPC itself is awaited here. Offline signing works the
same way: ``bytes``/``digest`` here, ``AsyncGateway.new_signed_*`` to rebuild.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar

import grpc

from gateway.client.checkpoint import Checkpointer
from gateway.client.commit import Commit, Status, SubmittedTransaction, require_committed
from gateway.client.context import CallTimeouts, ClientContext, Hash, client_context, deadline, sha256
from gateway.client.contract import Contract
from gateway.client.errors import (
    ChaincodeEventsError,
    CommitStatusError,
    EndorseError,
    EvaluateError,
    GatewayError,
    SubmitError,
    is_cancelled,
)
from gateway.client.events import ChaincodeEvent, ChaincodeEventsRequest, events_of
from gateway.client.gateway import Gateway
from gateway.client.identity import Identity, Signer
from gateway.client.network import Network
from gateway.client.proposal import Proposal
from gateway.client.rpc import call_async
from gateway.client.transaction import Transaction

Inner = TypeVar("Inner", bound=Commit | Transaction | Proposal | ChaincodeEventsRequest)
TransactionInner = TypeVar("TransactionInner", bound=Commit | Transaction | Proposal)


class _OfflineSignable(Generic[Inner]):
    """Wraps a sync request over the same context; ``bytes``/``digest`` are the wrapped request's, so what is
    stored or signed offline is the same in both flavours."""

    def __init__(self, inner: Inner, context: ClientContext) -> None:
        self._inner = inner
        self._context = context

    @property
    def bytes(self) -> bytes:
        return self._inner.bytes

    @property
    def digest(self) -> bytes:
        return self._inner.digest


class _OfflineSignableTransaction(_OfflineSignable[TransactionInner]):
    @property
    def transaction_id(self) -> str:
        return self._inner.transaction_id

    async def _call(
        self, rpc: Callable[..., Awaitable[Any]], request: object, timeout: float | None, default: float | None,
        error: type[GatewayError],
    ) -> Any:  # fmt: skip
        """The awaited RPC for this transaction: a per-call ``timeout`` overrides the configured ``default``."""
        return await call_async(rpc, request, deadline(timeout, default), error, self.transaction_id)


class AsyncCommit(_OfflineSignableTransaction[Commit]):
    async def get_status(self, timeout: float | None = None) -> Status:
        request = self._inner.signed_request()
        rpc, default = self._context.stub.CommitStatus, self._context.timeouts.commit_status
        return self._inner.status_of(await self._call(rpc, request, timeout, default, CommitStatusError))


class AsyncSubmittedTransaction(AsyncCommit):
    def __init__(self, submitted: SubmittedTransaction, context: ClientContext) -> None:
        super().__init__(submitted, context)
        self._result = submitted.result

    @property
    def result(self) -> bytes:
        return self._result

    def get_result(self) -> bytes:
        return self._result


class AsyncTransaction(_OfflineSignableTransaction[Transaction]):
    @property
    def result(self) -> bytes:
        return self._inner.result

    def sign(self) -> AsyncTransaction:
        return AsyncTransaction(self._inner.sign(), self._context)

    async def submit(self, timeout: float | None = None) -> AsyncSubmittedTransaction:
        request = self._inner.submit_request()
        await self._call(self._context.stub.Submit, request, timeout, self._context.timeouts.submit, SubmitError)
        return AsyncSubmittedTransaction(self._inner.submitted(), self._context)


class AsyncProposal(_OfflineSignableTransaction[Proposal]):
    async def evaluate(self, timeout: float | None = None) -> bytes:
        request = self._inner.evaluate_request()
        rpc, default = self._context.stub.Evaluate, self._context.timeouts.evaluate
        response = await self._call(rpc, request, timeout, default, EvaluateError)
        return response.result.payload

    async def endorse(self, timeout: float | None = None) -> AsyncTransaction:
        request = self._inner.endorse_request()
        rpc, default = self._context.stub.Endorse, self._context.timeouts.endorse
        response = await self._call(rpc, request, timeout, default, EndorseError)
        return AsyncTransaction(self._inner.endorsed(request, response), self._context)


class AsyncContract:
    def __init__(self, contract: Contract, context: ClientContext) -> None:
        self._contract = contract
        self._context = context

    def new_proposal(
        self,
        transaction_name: str,
        arguments: Sequence[bytes | str] = (),
        transient_data: Mapping[str, bytes | str] | None = None,
        endorsing_organizations: Sequence[str] | None = None,
    ) -> AsyncProposal:
        proposal = self._contract.new_proposal(transaction_name, arguments, transient_data, endorsing_organizations)
        return AsyncProposal(proposal, self._context)

    async def evaluate(
        self,
        transaction_name: str,
        arguments: Sequence[bytes | str] = (),
        transient_data: Mapping[str, bytes | str] | None = None,
        endorsing_organizations: Sequence[str] | None = None,
    ) -> bytes:
        proposal = self.new_proposal(transaction_name, arguments, transient_data, endorsing_organizations)
        return await proposal.evaluate()

    async def evaluate_transaction(self, transaction_name: str, *args: bytes | str) -> bytes:
        return await self.evaluate(transaction_name, args)

    async def submit_async(
        self,
        transaction_name: str,
        arguments: Sequence[bytes | str] = (),
        transient_data: Mapping[str, bytes | str] | None = None,
        endorsing_organizations: Sequence[str] | None = None,
    ) -> AsyncSubmittedTransaction:
        proposal = self.new_proposal(transaction_name, arguments, transient_data, endorsing_organizations)
        transaction = await proposal.endorse()
        return await transaction.submit()

    async def submit(
        self,
        transaction_name: str,
        arguments: Sequence[bytes | str] = (),
        transient_data: Mapping[str, bytes | str] | None = None,
        endorsing_organizations: Sequence[str] | None = None,
    ) -> bytes:
        submitted = await self.submit_async(transaction_name, arguments, transient_data, endorsing_organizations)
        require_committed(await submitted.get_status())
        return submitted.result

    async def submit_transaction(self, transaction_name: str, *args: bytes | str) -> bytes:
        return await self.submit(transaction_name, args)


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


class AsyncChaincodeEventsRequest(_OfflineSignable[ChaincodeEventsRequest]):
    def get_events(self, timeout: float | None = None) -> AsyncChaincodeEventIterator:
        call = self._context.stub.ChaincodeEvents(self._inner.signed_request(), timeout=timeout)
        return AsyncChaincodeEventIterator(call)


class AsyncNetwork:
    def __init__(self, network: Network, context: ClientContext) -> None:
        self._network = network
        self._context = context
        self.name = network.name

    def get_contract(self, chaincode_name: str, contract_name: str = "") -> AsyncContract:
        return AsyncContract(self._network.get_contract(chaincode_name, contract_name), self._context)

    def new_commit(self, transaction_id: str) -> AsyncCommit:
        return AsyncCommit(self._network.new_commit(transaction_id), self._context)

    def new_chaincode_events_request(
        self, chaincode_name: str, start_block: int | None = None, checkpoint: Checkpointer | None = None
    ) -> AsyncChaincodeEventsRequest:
        request = self._network.new_chaincode_events_request(chaincode_name, start_block, checkpoint)
        return AsyncChaincodeEventsRequest(request, self._context)

    def get_chaincode_events(
        self,
        chaincode_name: str,
        start_block: int | None = None,
        checkpoint: Checkpointer | None = None,
        timeout: float | None = None,
    ) -> AsyncChaincodeEventIterator:
        return self.new_chaincode_events_request(chaincode_name, start_block, checkpoint).get_events(timeout)


class AsyncGateway:
    """Wraps the sync ``Gateway`` over the same context: it parses and checks, this awaits."""

    def __init__(self, gateway: Gateway, context: ClientContext) -> None:
        self._gateway = gateway
        self._context = context

    @property
    def identity(self) -> Identity:
        return self._gateway.identity

    def get_network(self, channel_id: str) -> AsyncNetwork:
        return AsyncNetwork(self._gateway.get_network(channel_id), self._context)

    def new_signed_proposal(self, data: bytes, signature: bytes) -> AsyncProposal:
        return AsyncProposal(self._gateway.new_signed_proposal(data, signature), self._context)

    def new_signed_transaction(self, data: bytes, signature: bytes) -> AsyncTransaction:
        return AsyncTransaction(self._gateway.new_signed_transaction(data, signature), self._context)

    def restore_transaction(self, data: bytes) -> AsyncTransaction:
        return AsyncTransaction(self._gateway.restore_transaction(data), self._context)

    def new_signed_commit(self, data: bytes, signature: bytes) -> AsyncCommit:
        return AsyncCommit(self._gateway.new_signed_commit(data, signature), self._context)

    def new_signed_chaincode_events_request(self, data: bytes, signature: bytes) -> AsyncChaincodeEventsRequest:
        request = self._gateway.new_signed_chaincode_events_request(data, signature)
        return AsyncChaincodeEventsRequest(request, self._context)


def connect_async(
    client: grpc.aio.Channel,
    identity: Identity,
    signer: Signer | None = None,
    hash: Hash = sha256,
    timeouts: CallTimeouts | None = None,
) -> AsyncGateway:
    """Like ``connect`` but for a ``grpc.aio`` channel; every RPC method is a coroutine."""
    context = client_context(client, identity, signer, hash, timeouts, with_deliver=False)
    return AsyncGateway(Gateway(context, client), context)


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
