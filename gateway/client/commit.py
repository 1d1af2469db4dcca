"""Commit status requests (gateway ``CommitStatus`` RPC; reference 10.1).

The request is signed by the client so the gateway can apply the ``gateway/CommitStatus`` ACL
(``internal/pkg/gateway/commitstatus.go``): ``SignedData{data=request bytes, identity=request.identity}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from fabric_protos.gateway import gateway_pb2
from fabric_protos.peer import transaction_pb2

from gateway.client.context import ClientContext, deadline
from gateway.client.errors import CommitError, CommitStatusError, validation_code_name
from gateway.client.fields import require_name
from gateway.client.identity import Identity
from gateway.client.rpc import Exchange, Flow, blocking
from gateway.client.signable import with_signer
from gateway.client.signed_request import (
    OfflineSignableRequest,
    parse_signed_request,
    sign_request,
    unsigned_request,
)


def commit_status_request(identity: Identity, channel_id: str, transaction_id: str) -> gateway_pb2.CommitStatusRequest:
    """All three fields are required by the gateway (INVALID_ARGUMENT otherwise)."""
    require_name("channel_id", channel_id)
    require_name("transaction_id", transaction_id)
    return gateway_pb2.CommitStatusRequest(
        transaction_id=transaction_id, channel_id=channel_id, identity=identity.serialize()
    )


#: ``commit_status_request`` signed by ``signer`` (passed after the identity), ready for the gateway.
signed_commit_status_request = with_signer(
    commit_status_request, partial(sign_request, gateway_pb2.SignedCommitStatusRequest)
)


#: Read once: protobuf enum attributes are looked up through a Python ``__getattr__`` on every access.
VALID = transaction_pb2.TxValidationCode.VALID


@dataclass(frozen=True)
class Status:
    """Outcome of a committed transaction: its ``TxValidationCode`` and the block that holds it."""

    transaction_id: str
    code: int
    block_number: int

    @property
    def successful(self) -> bool:
        return self.code == VALID

    @property
    def code_name(self) -> str:
        return validation_code_name(self.code)


def require_committed(status: Status) -> None:
    """``submit`` succeeds only if the committing peer marked the transaction VALID."""
    if not status.successful:
        raise CommitError(status.transaction_id, status.code, status.block_number)


class CommitBase(OfflineSignableRequest[gateway_pb2.SignedCommitStatusRequest]):
    """A commit status query, both flavours; ``bytes``/``digest`` allow signing it offline
    (``gateway.new_signed_commit``)."""

    signature_field = "commit_status_request"

    def __init__(self, context: ClientContext, request: gateway_pb2.SignedCommitStatusRequest) -> None:
        super().__init__(context, request)
        self._parsed = gateway_pb2.CommitStatusRequest.FromString(request.request)

    @property
    def transaction_id(self) -> str:
        return self._parsed.transaction_id

    def status_of(self, response: gateway_pb2.CommitStatusResponse) -> Status:
        return Status(self.transaction_id, response.result, response.block_number)

    def status_flow(self, timeout: float | None = None) -> Flow[Status]:
        """Wait until the transaction commits (or the deadline passes) and return its status."""
        context = self._context
        timeout = deadline(timeout, context.timeouts.commit_status)
        response = yield Exchange(
            context.stub.CommitStatus, self.signed_request(), timeout, CommitStatusError, self.transaction_id
        )
        return self.status_of(response)


class HasResult:
    """The chaincode's response payload, carried from the endorsed transaction to the submitted one."""

    _result: bytes

    @property
    def result(self) -> bytes:
        return self._result

    def get_result(self) -> bytes:
        return self._result


class SubmittedBase(CommitBase, HasResult):
    """A transaction accepted by the orderer; ``result`` is the chaincode's response payload."""

    def __init__(self, context: ClientContext, request: gateway_pb2.SignedCommitStatusRequest, result: bytes) -> None:
        super().__init__(context, request)
        self._result = result


class Commit(CommitBase):
    get_status = blocking(CommitBase.status_flow)


class SubmittedTransaction(SubmittedBase, Commit):
    """A transaction accepted by the orderer; ``get_status()`` blocks until it commits."""


def new_commit(context: ClientContext, channel_id: str, transaction_id: str) -> gateway_pb2.SignedCommitStatusRequest:
    """An unsigned commit status request for ``context.identity`` (signed lazily or offline)."""
    request = commit_status_request(context.identity, channel_id, transaction_id)
    return unsigned_request(gateway_pb2.SignedCommitStatusRequest, request)


def parse_signed_commit(data: bytes, signature: bytes) -> gateway_pb2.SignedCommitStatusRequest:
    """Inverse of ``Commit.bytes`` with the offline signature attached."""
    return parse_signed_request(gateway_pb2.SignedCommitStatusRequest, data, signature)
