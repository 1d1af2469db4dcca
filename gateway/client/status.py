"""``google.rpc.Status`` carried in the ``grpc-status-details-bin`` trailer, decoded without extra packages.

The Fabric gateway reports per-endorser failures as ``gateway.ErrorDetail`` messages packed into
``google.rpc.Status.details`` (``internal/pkg/gateway/apiutils.go`` ``newRpcError`` via
``status.WithDetails``). gRPC transmits that Status, serialised, in the binary trailer
``grpc-status-details-bin``. The ``google.rpc`` protos are not a dependency here, so the three-field message
is declared in a private descriptor pool (no clash with any other definition in the default pool).

The encoder is the server half of the same contract, for gateway implementations written in Python.
"""

from __future__ import annotations

from collections.abc import Iterable

import grpc
from fabric_protos.gateway import gateway_pb2
from google.protobuf import any_pb2, descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import DecodeError, Message

STATUS_TRAILER = "grpc-status-details-bin"
ERROR_DETAIL_TYPE_URL = "type.googleapis.com/gateway.ErrorDetail"


def _status_class() -> type[Message]:
    pool = descriptor_pool.DescriptorPool()
    pool.Add(descriptor_pb2.FileDescriptorProto.FromString(any_pb2.DESCRIPTOR.serialized_pb))
    f = descriptor_pb2.FileDescriptorProto(name="google/rpc/status.proto", package="google.rpc", syntax="proto3")
    f.dependency.append("google/protobuf/any.proto")
    m = f.message_type.add(name="Status")
    m.field.add(name="code", number=1, type=5, label=1)  # int32
    m.field.add(name="message", number=2, type=9, label=1)  # string
    m.field.add(name="details", number=3, type=11, label=3, type_name=".google.protobuf.Any")
    pool.Add(f)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("google.rpc.Status"))


RpcStatus = _status_class()


def encode_status(code: grpc.StatusCode, message: str, details: Iterable[gateway_pb2.ErrorDetail]) -> bytes:
    """Serialise a ``google.rpc.Status`` with each detail packed as an ``Any``."""
    status = RpcStatus(code=code.value[0], message=message)
    for d in details:
        status.details.add(type_url=ERROR_DETAIL_TYPE_URL, value=d.SerializeToString())
    return status.SerializeToString()


def decode_error_details(status_bytes: bytes) -> list[gateway_pb2.ErrorDetail]:
    """Extract the ``gateway.ErrorDetail`` entries of a serialised ``google.rpc.Status``; others are skipped."""
    try:
        status = RpcStatus.FromString(status_bytes)
    except DecodeError:
        return []
    out: list[gateway_pb2.ErrorDetail] = []
    for any_msg in status.details:
        if any_msg.type_url.rsplit("/", 1)[-1] == "gateway.ErrorDetail":
            out.append(gateway_pb2.ErrorDetail.FromString(any_msg.value))
    return out


def error_details_from_call(error: object) -> list[gateway_pb2.ErrorDetail]:
    """Read the status trailer of a failed gRPC call (sync ``grpc.Call`` or aio ``AioRpcError``)."""
    trailing = getattr(error, "trailing_metadata", None)
    if trailing is None:
        return []
    metadata = trailing() or ()
    for key, value in metadata:
        if key == STATUS_TRAILER and isinstance(value, bytes):
            return decode_error_details(value)
    return []
