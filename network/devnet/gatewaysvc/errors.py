"""Gateway errors exactly as Fabric builds them (``internal/pkg/gateway/apiutils.go``).

A failed RPC is a gRPC status whose ``google.rpc.Status.details`` carries one ``gateway.ErrorDetail{address,
msp_id, message}`` per failed endorser/orderer (trailer ``grpc-status-details-bin``). Per-endorser failures
are classified by ``responseStatus``: a gRPC error with no response -> its own code (retried); with a
response -> FAILED_PRECONDITION; status 500 with an empty payload -> ABORTED; any other status outside
200..399 -> UNKNOWN "chaincode response <status>, <message>".
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import TypeVar

import grpc
from fabric_protos.gateway import gateway_pb2
from fabric_protos.peer import proposal_response_pb2

from gateway.client.status import STATUS_TRAILER, encode_status
from network.devnet.node import jsonlog

_logger = logging.getLogger("devnet.gateway")
T = TypeVar("T")


@dataclass
class GatewayError(Exception):
    code: grpc.StatusCode
    message: str
    details: list[gateway_pb2.ErrorDetail] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.code.name}: {self.message}"

    async def abort(self, context: grpc.aio.ServicerContext) -> None:
        jsonlog.event(_logger, "gateway request failed", logging.WARNING, code=self.code.name, error=self.message,
                      details=[f"{d.msp_id}@{d.address}: {d.message}" for d in self.details])
        trailer = ((STATUS_TRAILER, encode_status(self.code, self.message, self.details)),)
        await context.abort(self.code, self.message, trailing_metadata=trailer)


async def unary(call: Awaitable[T], context: grpc.aio.ServicerContext) -> T:
    """Run one unary Gateway request; a GatewayError ends the RPC with its code, message and ErrorDetails
    (the status trailer Fabric's gateway sends, ``toRpcError`` in ``apiutils.go``)."""
    try:
        return await call
    except GatewayError as exc:
        await exc.abort(context)
        raise AssertionError("unreachable: context.abort raises") from exc


@dataclass(frozen=True)
class EndorserFailure:
    """One endorser's failure: the code it maps to, whether another peer may be tried, and its detail."""

    code: grpc.StatusCode
    retryable: bool
    detail: gateway_pb2.ErrorDetail


def classify(address: str, mspid: str, response: proposal_response_pb2.ProposalResponse | None,
             grpc_error: str | None, error_code: grpc.StatusCode = grpc.StatusCode.UNAVAILABLE,
             ) -> EndorserFailure | None:
    """``responseStatus`` plus the retry rule; None when the response is a success (200..399).

    A gRPC error without a response (a remote peer failed or refused) keeps its own code and is retried on
    another peer; an error with a response (this peer's own checks) is FAILED_PRECONDITION, not retried."""
    if grpc_error is not None:
        code = grpc.StatusCode.FAILED_PRECONDITION if response is not None else error_code
        return EndorserFailure(code, response is None,
                               gateway_pb2.ErrorDetail(address=address, msp_id=mspid, message=grpc_error))
    assert response is not None
    status = response.response.status
    if 200 <= status < 400:
        return None
    if status == 500 and not response.payload:
        return EndorserFailure(grpc.StatusCode.ABORTED, True, gateway_pb2.ErrorDetail(
            address=address, msp_id=mspid, message=response.response.message))
    return EndorserFailure(grpc.StatusCode.UNKNOWN, False, gateway_pb2.ErrorDetail(
        address=address, msp_id=mspid, message=f"chaincode response {status}, {response.response.message}"))
