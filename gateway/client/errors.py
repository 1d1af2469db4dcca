"""Errors raised by the gateway client.

Two families:

* Local construction errors (``InvalidArgumentError``, ``EndorsementMismatchError``) raised before anything is
  sent; they subclass ``ValueError`` and name the offending field.
* Gateway errors (``EndorseError``, ``SubmitError``, ``CommitStatusError``, ``EvaluateError``,
  ``ChaincodeEventsError``) wrapping a gRPC failure. The Fabric gateway attaches one ``gateway.ErrorDetail``
  per failed peer/orderer to ``google.rpc.Status.details`` (``internal/pkg/gateway/apiutils.go``
  ``newRpcError``), so each error carries the gRPC code and those details, letting callers see every
  endorser's own message.
* ``CommitError``: the transaction was ordered and committed but the committing peer marked it invalid
  (``TxValidationCode`` other than VALID).
"""

from __future__ import annotations

import grpc
from fabric_protos.gateway import gateway_pb2
from fabric_protos.peer import transaction_pb2

from gateway.client.status import error_details_from_call


def rpc_code(error: grpc.RpcError) -> grpc.StatusCode:
    """The status code of a failed call, sync or aio alike.

    Sync errors are ``grpc.Call`` instances; aio's ``AioRpcError`` has the same methods without the base class.
    """
    code_of = getattr(error, "code", None)
    return code_of() if callable(code_of) else grpc.StatusCode.UNKNOWN


def is_cancelled(error: grpc.RpcError) -> bool:
    """A stream ended by our own ``close()`` (CANCELLED) is a normal end of iteration, not a failure."""
    return rpc_code(error) == grpc.StatusCode.CANCELLED


def validation_code_name(code: int) -> str:
    """``TxValidationCode`` name of ``code``, or the number itself for codes this protobuf does not know."""
    codes = transaction_pb2.TxValidationCode
    return codes.Name(code) if code in codes.values() else str(code)


class InvalidArgumentError(ValueError):
    """A request could not be built because the named field is malformed."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


class EndorsementMismatchError(ValueError):
    """Proposal responses cannot form one transaction (``protoutil/txutils.go`` ``CreateSignedTx``)."""


class GatewayError(Exception):
    """A gRPC call to the gateway failed; ``details`` lists per-node ``gateway.ErrorDetail`` messages."""

    def __init__(
        self,
        message: str,
        code: grpc.StatusCode,
        details: list[gateway_pb2.ErrorDetail] | None = None,
        transaction_id: str = "",
    ) -> None:
        self.code = code
        self.details = list(details or [])
        self.transaction_id = transaction_id
        self.status_message = message
        super().__init__(self._render())

    def _render(self) -> str:
        text = f"{self.code.name}: {self.status_message}"
        for d in self.details:
            text += f"\n  - {d.address} ({d.msp_id}): {d.message}"
        return text

    @classmethod
    def from_rpc_error(cls, error: grpc.RpcError, transaction_id: str = "") -> GatewayError:
        details_of = getattr(error, "details", None)
        message = details_of() if callable(details_of) else str(error)
        return cls(message or "", rpc_code(error), error_details_from_call(error), transaction_id)


class EvaluateError(GatewayError):
    """The ``Evaluate`` RPC failed."""


class EndorseError(GatewayError):
    """The ``Endorse`` RPC failed (e.g. ABORTED: not enough endorsements; details say why per peer)."""


class SubmitError(GatewayError):
    """The ``Submit`` RPC failed (e.g. UNAVAILABLE: no orderer accepted the transaction)."""


class CommitStatusError(GatewayError):
    """The ``CommitStatus`` RPC failed (e.g. DEADLINE_EXCEEDED before the transaction committed)."""


class ChaincodeEventsError(GatewayError):
    """The ``ChaincodeEvents`` stream failed."""


class BlockEventsError(GatewayError):
    """The peer ``Deliver`` stream failed or ended with a non-SUCCESS ``common.Status``."""


class CommitError(Exception):
    """The transaction committed with a validation code other than VALID; nothing it wrote was applied."""

    def __init__(self, transaction_id: str, code: int, block_number: int) -> None:
        self.transaction_id = transaction_id
        self.code = code
        self.block_number = block_number
        name = validation_code_name(code)
        self.code_name = name
        super().__init__(f"transaction {transaction_id} failed to commit with status code {code} ({name})")
