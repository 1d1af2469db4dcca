"""The production FabricPort: G1's gateway client (``gateway.client``) over one gRPC channel per org.

A ``Gateway`` object is cheap (it holds the stub and who signs), so one is made per call for the signing
identity the REST layer resolved; the gRPC channel is shared. Endorsement and signing are split so the
signed envelope can be stored before it is sent (see ``submission.py``): ``endorse`` returns the serialized
``gateway.PreparedTransaction`` with its envelope already signed, and ``submit`` sends exactly those bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

import grpc
from fabric_protos.gateway import gateway_pb2
from google.protobuf.message import DecodeError

from gateway.client.aio import AsyncTransaction
from gateway.client.commit import commit_status_request
from gateway.client.errors import (
    ChaincodeEventsError,
    CommitStatusError,
    EndorseError,
    EvaluateError,
    GatewayError,
    InvalidArgumentError,
    SubmitError,
)
from gateway.client.events import ChaincodeEventIterator
from gateway.client.gateway import Gateway, connect
from gateway.client.transaction import Transaction, parse_signed_transaction
from gateway.service.fabric_port import (
    ChaincodeEvent,
    CommitStatus,
    FabricFailure,
    FailureKind,
    InvalidRequest,
    PreparedTransaction,
    SigningIdentity,
    TxRequest,
)
from gateway.service.membership import application_msp_ids

P = TypeVar("P")

_KIND = {
    EvaluateError: FailureKind.EVALUATE,
    EndorseError: FailureKind.ENDORSE,
    SubmitError: FailureKind.SUBMIT,
    CommitStatusError: FailureKind.COMMIT_STATUS,
    ChaincodeEventsError: FailureKind.EVENTS,
}


# The client library names its arguments as Fabric does; the REST body names them as the service does.
_REST_FIELD = {"endorsing_organizations": "endorsing_orgs", "target_organizations": "endorsing_orgs"}


def invalid_request_of(error: InvalidArgumentError) -> InvalidRequest:
    """A construction error of the client library (``gateway.client.errors``) is the caller's input."""
    head, sep, rest = error.field.partition("[")
    field = _REST_FIELD.get(head, head) + sep + rest
    return InvalidRequest(field, str(error).partition(": ")[2] or str(error))


def failure_of(error: GatewayError, default: FailureKind) -> FabricFailure:
    kind = next((k for cls, k in _KIND.items() if isinstance(error, cls)), default)
    return FabricFailure(kind, error.code.name, error.status_message, tuple(d.message for d in error.details))


def new_proposal_for(new_proposal: Callable[..., P], request: TxRequest) -> P:
    """``new_proposal`` of either client flavour's contract applied to ``request``; bad input is the caller's."""
    try:
        return new_proposal(
            request.function, request.args, dict(request.transient), list(request.endorsing_orgs) or None
        )
    except InvalidArgumentError as error:
        raise invalid_request_of(error) from None


def signed_prepared(
    who: SigningIdentity, channel: str, transaction: Transaction | AsyncTransaction
) -> PreparedTransaction:
    """Sign the endorsed envelope now, so the exact bytes ``submit`` sends can be stored before sending."""
    unsigned = transaction.bytes
    payload = gateway_pb2.PreparedTransaction.FromString(unsigned).envelope.payload
    signed = parse_signed_transaction(unsigned, who.signer(payload))
    return PreparedTransaction(transaction.transaction_id, channel, signed.SerializeToString(), transaction.result)


def stored_signature(prepared: PreparedTransaction) -> bytes:
    """The envelope signature inside a stored ``gateway.PreparedTransaction`` (see :func:`signed_prepared`)."""
    return gateway_pb2.PreparedTransaction.FromString(prepared.envelope).envelope.signature


def signed_commit_query(who: SigningIdentity, channel: str, txid: str) -> tuple[bytes, bytes]:
    """``(bytes, signature)`` of a commit status request signed by ``who``, for ``gateway.new_signed_commit``."""
    request = commit_status_request(who.identity, channel, txid).SerializeToString()
    return gateway_pb2.SignedCommitStatusRequest(request=request).SerializeToString(), who.signer(request)


def config_block_orgs(block: bytes) -> frozenset[str]:
    """MSP IDs of the Application orgs in a ``cscc GetConfigBlock`` result; an unreadable block fails EVALUATE."""
    try:
        return application_msp_ids(block)
    except (DecodeError, ValueError) as error:
        raise FabricFailure(FailureKind.EVALUATE, "UNKNOWN", f"unreadable config block: {error}") from None


class ClientPort:
    def __init__(self, channel: grpc.Channel) -> None:
        self._channel = channel

    def _gateway(self, who: SigningIdentity) -> Gateway:
        return connect(self._channel, who.identity, who.signer)

    def evaluate(self, who: SigningIdentity, request: TxRequest) -> bytes:
        contract = self._gateway(who).get_network(request.channel).get_contract(request.chaincode)
        try:
            return contract.evaluate(
                request.function, request.args, dict(request.transient), list(request.endorsing_orgs) or None
            )
        except InvalidArgumentError as error:
            raise invalid_request_of(error) from None
        except GatewayError as error:
            raise failure_of(error, FailureKind.EVALUATE) from None

    def endorse(self, who: SigningIdentity, request: TxRequest) -> PreparedTransaction:
        contract = self._gateway(who).get_network(request.channel).get_contract(request.chaincode)
        proposal = new_proposal_for(contract.new_proposal, request)
        try:
            transaction = proposal.endorse()
        except GatewayError as error:
            raise failure_of(error, FailureKind.ENDORSE) from None
        return signed_prepared(who, request.channel, transaction)

    def submit(self, who: SigningIdentity, prepared: PreparedTransaction) -> None:
        transaction = self._gateway(who).new_signed_transaction(prepared.envelope, stored_signature(prepared))
        try:
            transaction.submit()
        except GatewayError as error:
            raise failure_of(error, FailureKind.SUBMIT) from None

    def commit_status(self, who: SigningIdentity, channel: str, txid: str, timeout: float) -> CommitStatus:
        commit = self._gateway(who).new_signed_commit(*signed_commit_query(who, channel, txid))
        try:
            status = commit.get_status(timeout)
        except GatewayError as error:
            raise failure_of(error, FailureKind.COMMIT_STATUS) from None
        return CommitStatus(txid, status.code, status.block_number)

    def chaincode_events(
        self, who: SigningIdentity, channel: str, chaincode: str, start_block: int | None
    ) -> EventStream:
        events = self._gateway(who).get_network(channel).get_chaincode_events(chaincode, start_block)
        return EventStream(events)

    def channel_orgs(self, who: SigningIdentity, channel: str) -> frozenset[str]:
        """``cscc GetConfigBlock`` through the gateway's Evaluate, then the Application orgs' MSP IDs."""
        contract = self._gateway(who).get_network(channel).get_contract("cscc")
        try:
            block = contract.evaluate("GetConfigBlock", [channel])
        except GatewayError as error:
            raise failure_of(error, FailureKind.EVALUATE) from None
        return config_block_orgs(block)

    def ready(self) -> bool:
        try:
            grpc.channel_ready_future(self._channel).result(timeout=2.0)
        except grpc.FutureTimeoutError:
            return False
        return True


class EventStream:
    """Chaincode events of one Fabric stream; ``close()`` cancels the gRPC call and is safe to call from
    another thread while one is blocked in ``next()`` (which then ends the iteration)."""

    def __init__(self, events: ChaincodeEventIterator) -> None:
        self._events = events

    def __iter__(self) -> Iterator[ChaincodeEvent]:
        return self

    def __next__(self) -> ChaincodeEvent:
        try:
            event = next(self._events)
        except GatewayError as error:
            raise failure_of(error, FailureKind.EVENTS) from None
        return ChaincodeEvent(
            event.block_number, event.transaction_id, event.chaincode_name, event.event_name, event.payload
        )

    def close(self) -> None:
        self._events.close()
