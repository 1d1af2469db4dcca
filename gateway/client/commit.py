"""Commit status requests (gateway ``CommitStatus`` RPC; reference 10.1).

The request is signed by the client so the gateway can apply the ``gateway/CommitStatus`` ACL
(``internal/pkg/gateway/commitstatus.go``): ``SignedData{data=request bytes, identity=request.identity}``.
"""

from __future__ import annotations

from fabric_protos.gateway import gateway_pb2

from gateway.client.errors import InvalidArgumentError
from gateway.client.identity import Identity, Signer
from gateway.client.proposal import require_name


def commit_status_request(identity: Identity, channel_id: str, transaction_id: str) -> gateway_pb2.CommitStatusRequest:
    """All three fields are required by the gateway (INVALID_ARGUMENT otherwise)."""
    require_name("channel_id", channel_id)
    require_name("transaction_id", transaction_id)
    return gateway_pb2.CommitStatusRequest(
        transaction_id=transaction_id, channel_id=channel_id, identity=identity.serialize()
    )


def signed_request(request_bytes: bytes, signature: bytes) -> gateway_pb2.SignedCommitStatusRequest:
    if not request_bytes:
        raise InvalidArgumentError("request", "must not be empty")
    if not signature:
        raise InvalidArgumentError("signature", "must not be empty")
    return gateway_pb2.SignedCommitStatusRequest(request=request_bytes, signature=signature)


def signed_commit_status_request(
    identity: Identity, signer: Signer, channel_id: str, transaction_id: str
) -> gateway_pb2.SignedCommitStatusRequest:
    request_bytes = commit_status_request(identity, channel_id, transaction_id).SerializeToString()
    return signed_request(request_bytes, signer(request_bytes))
