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
from fabric_protos.gateway import gateway_pb2
from google.protobuf.message import DecodeError

from gateway.client.aio import AsyncGateway, connect_async
from gateway.client.commit import commit_status_request
from gateway.client.errors import GatewayError, InvalidArgumentError
from gateway.client.transaction import parse_signed_transaction
from gateway.service.client_port import failure_of, invalid_request_of
from gateway.service.fabric_port import (
    CommitStatus,
    FabricFailure,
    FailureKind,
    PreparedTransaction,
    SigningIdentity,
    TxRequest,
)
from gateway.service.membership import application_msp_ids


class AsyncClientPort:
    def __init__(self, open_channel: Callable[[], grpc.aio.Channel]) -> None:
        self._open_channel = open_channel
        self._channel: grpc.aio.Channel | None = None

    def _gateway(self, who: SigningIdentity) -> AsyncGateway:
        if self._channel is None:
            self._channel = self._open_channel()
        return connect_async(self._channel, who.identity, who.signer)

    async def endorse(self, who: SigningIdentity, request: TxRequest) -> PreparedTransaction:
        contract = self._gateway(who).get_network(request.channel).get_contract(request.chaincode)
        try:
            proposal = contract.new_proposal(
                request.function, request.args, dict(request.transient), list(request.endorsing_orgs) or None
            )
        except InvalidArgumentError as error:
            raise invalid_request_of(error) from None
        try:
            transaction = await proposal.endorse()
        except GatewayError as error:
            raise failure_of(error, FailureKind.ENDORSE) from None
        unsigned = transaction.bytes
        payload = gateway_pb2.PreparedTransaction.FromString(unsigned).envelope.payload
        signed = parse_signed_transaction(unsigned, who.signer(payload))
        return PreparedTransaction(
            transaction.transaction_id, request.channel, signed.SerializeToString(), transaction.result
        )

    async def submit(self, who: SigningIdentity, prepared: PreparedTransaction) -> None:
        stored = gateway_pb2.PreparedTransaction.FromString(prepared.envelope)
        transaction = self._gateway(who).new_signed_transaction(prepared.envelope, stored.envelope.signature)
        try:
            await transaction.submit()
        except GatewayError as error:
            raise failure_of(error, FailureKind.SUBMIT) from None

    async def commit_status(self, who: SigningIdentity, channel: str, txid: str, timeout: float) -> CommitStatus:
        request = commit_status_request(who.identity, channel, txid).SerializeToString()
        data = gateway_pb2.SignedCommitStatusRequest(request=request).SerializeToString()
        commit = self._gateway(who).new_signed_commit(data, who.signer(request))
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
        try:
            return application_msp_ids(block)
        except (DecodeError, ValueError) as error:
            raise FabricFailure(FailureKind.EVALUATE, "UNKNOWN", f"unreadable config block: {error}") from None

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close()
            self._channel = None
