"""Asyncio flavour of the client for ``grpc.aio`` channels (e.g. inside a FastAPI service).

Same shape and semantics as the sync API; requests are built and checked by the very same sync objects
(``Proposal.endorse_request``, ``Transaction.submit_request`` ...), only the RPC is awaited. Offline signing works
the same way: ``bytes``/``digest`` here, ``AsyncGateway.new_signed_*`` to rebuild.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

import grpc
from fabric_protos.gateway import gateway_pb2_grpc

from gateway.client.checkpoint import Checkpointer
from gateway.client.commit import Commit, Status, SubmittedTransaction, parse_signed_commit
from gateway.client.context import CallTimeouts, ClientContext, Hash, sha256
from gateway.client.contract import Contract
from gateway.client.errors import (
    ChaincodeEventsError,
    CommitError,
    CommitStatusError,
    EndorseError,
    EvaluateError,
    InvalidArgumentError,
    SubmitError,
)
from gateway.client.events import (
    ChaincodeEvent,
    ChaincodeEventsRequest,
    events_of,
    new_events_request,
    parse_signed_events_request,
)
from gateway.client.identity import Identity, Signer
from gateway.client.network import Network
from gateway.client.proposal import Proposal, parse_signed_proposal, prepared_transaction
from gateway.client.transaction import (
    Transaction,
    channel_of,
    parse_signed_transaction,
    parse_stored_transaction,
)


def deadline(timeout: float | None, default: float | None) -> float | None:
    return timeout if timeout is not None else default


class AsyncCommit:
    def __init__(self, commit: Commit, context: ClientContext) -> None:
        self._commit = commit
        self._context = context

    @property
    def transaction_id(self) -> str:
        return self._commit.transaction_id

    @property
    def bytes(self) -> bytes:
        return self._commit.bytes

    @property
    def digest(self) -> bytes:
        return self._commit.digest

    async def get_status(self, timeout: float | None = None) -> Status:
        try:
            response = await self._context.stub.CommitStatus(
                self._commit.signed_request(), timeout=deadline(timeout, self._context.timeouts.commit_status)
            )
        except grpc.RpcError as error:
            raise CommitStatusError.from_rpc_error(error, self.transaction_id) from error
        return Status(self.transaction_id, response.result, response.block_number)


class AsyncSubmittedTransaction(AsyncCommit):
    def __init__(self, submitted: SubmittedTransaction, context: ClientContext) -> None:
        super().__init__(submitted, context)
        self._result = submitted.result

    @property
    def result(self) -> bytes:
        return self._result

    def get_result(self) -> bytes:
        return self._result


class AsyncTransaction:
    def __init__(self, transaction: Transaction, context: ClientContext) -> None:
        self._tx = transaction
        self._context = context

    @property
    def transaction_id(self) -> str:
        return self._tx.transaction_id

    @property
    def result(self) -> bytes:
        return self._tx.result

    @property
    def bytes(self) -> bytes:
        return self._tx.bytes

    @property
    def digest(self) -> bytes:
        return self._tx.digest

    def sign(self) -> AsyncTransaction:
        return AsyncTransaction(self._tx.sign(), self._context)

    async def submit(self, timeout: float | None = None) -> AsyncSubmittedTransaction:
        try:
            await self._context.stub.Submit(
                self._tx.submit_request(), timeout=deadline(timeout, self._context.timeouts.submit)
            )
        except grpc.RpcError as error:
            raise SubmitError.from_rpc_error(error, self.transaction_id) from error
        submitted = SubmittedTransaction(self._context, self._tx.commit_request(), self._tx.result)
        return AsyncSubmittedTransaction(submitted, self._context)


class AsyncProposal:
    def __init__(self, proposal: Proposal, context: ClientContext) -> None:
        self._proposal = proposal
        self._context = context

    @property
    def transaction_id(self) -> str:
        return self._proposal.transaction_id

    @property
    def bytes(self) -> bytes:
        return self._proposal.bytes

    @property
    def digest(self) -> bytes:
        return self._proposal.digest

    async def evaluate(self, timeout: float | None = None) -> bytes:
        try:
            response = await self._context.stub.Evaluate(
                self._proposal.evaluate_request(), timeout=deadline(timeout, self._context.timeouts.evaluate)
            )
        except grpc.RpcError as error:
            raise EvaluateError.from_rpc_error(error, self.transaction_id) from error
        return response.result.payload

    async def endorse(self, timeout: float | None = None) -> AsyncTransaction:
        request = self._proposal.endorse_request()
        try:
            response = await self._context.stub.Endorse(
                request, timeout=deadline(timeout, self._context.timeouts.endorse)
            )
        except grpc.RpcError as error:
            raise EndorseError.from_rpc_error(error, self.transaction_id) from error
        prepared = prepared_transaction(request, response)
        return AsyncTransaction(Transaction(self._context, request.channel_id, prepared), self._context)


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
        status = await submitted.get_status()
        if not status.successful:
            raise CommitError(status.transaction_id, status.code, status.block_number)
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
                code_of = getattr(error, "code", None)
                if callable(code_of) and code_of() == grpc.StatusCode.CANCELLED:
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


class AsyncChaincodeEventsRequest:
    def __init__(self, request: ChaincodeEventsRequest, context: ClientContext) -> None:
        self._request = request
        self._context = context

    @property
    def bytes(self) -> bytes:
        return self._request.bytes

    @property
    def digest(self) -> bytes:
        return self._request.digest

    def get_events(self, timeout: float | None = None) -> AsyncChaincodeEventIterator:
        call = self._context.stub.ChaincodeEvents(self._request.signed_request(), timeout=timeout)
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
        request = new_events_request(self._context, self.name, chaincode_name, start_block, checkpoint)
        return AsyncChaincodeEventsRequest(ChaincodeEventsRequest(self._context, request), self._context)

    def get_chaincode_events(
        self,
        chaincode_name: str,
        start_block: int | None = None,
        checkpoint: Checkpointer | None = None,
        timeout: float | None = None,
    ) -> AsyncChaincodeEventIterator:
        return self.new_chaincode_events_request(chaincode_name, start_block, checkpoint).get_events(timeout)


class AsyncGateway:
    def __init__(self, context: ClientContext) -> None:
        self._context = context

    @property
    def identity(self) -> Identity:
        return self._context.identity

    def get_network(self, channel_id: str) -> AsyncNetwork:
        return AsyncNetwork(Network(self._context, channel_id), self._context)

    def new_signed_proposal(self, data: bytes, signature: bytes) -> AsyncProposal:
        return AsyncProposal(Proposal(self._context, parse_signed_proposal(data, signature)), self._context)

    def new_signed_transaction(self, data: bytes, signature: bytes) -> AsyncTransaction:
        prepared = parse_signed_transaction(data, signature)
        return AsyncTransaction(Transaction(self._context, channel_of(prepared.envelope), prepared), self._context)

    def restore_transaction(self, data: bytes) -> AsyncTransaction:
        prepared = parse_stored_transaction(data)
        return AsyncTransaction(Transaction(self._context, channel_of(prepared.envelope), prepared), self._context)

    def new_signed_commit(self, data: bytes, signature: bytes) -> AsyncCommit:
        return AsyncCommit(Commit(self._context, parse_signed_commit(data, signature)), self._context)

    def new_signed_chaincode_events_request(self, data: bytes, signature: bytes) -> AsyncChaincodeEventsRequest:
        request = ChaincodeEventsRequest(self._context, parse_signed_events_request(data, signature))
        return AsyncChaincodeEventsRequest(request, self._context)


def connect_async(
    client: grpc.aio.Channel,
    identity: Identity,
    signer: Signer | None = None,
    hash: Hash = sha256,
    timeouts: CallTimeouts | None = None,
) -> AsyncGateway:
    """Like ``connect`` but for a ``grpc.aio`` channel; every RPC method is a coroutine."""
    if not isinstance(identity, Identity):
        raise InvalidArgumentError("identity", "must be a gateway.client.identity.Identity")
    context = ClientContext(
        stub=gateway_pb2_grpc.GatewayStub(client),
        identity=identity,
        signer=signer,
        hash=hash,
        timeouts=timeouts or CallTimeouts(),
    )
    return AsyncGateway(context)


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
