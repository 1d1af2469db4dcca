"""Chaincode event requests (gateway ``ChaincodeEvents`` server stream; reference 10.1, 10.4).

Start position rules (``internal/pkg/gateway/chaincodeevents.go`` ``chaincodeEventsStartBlock``): when
``after_transaction_id`` names a transaction in the ledger, delivery restarts at its block and skips events up
to and including it; otherwise ``start_position`` applies, where only ``specified`` and ``next_commit`` are
allowed. A checkpoint therefore maps to ``specified(block) + after_transaction_id``.
"""

from __future__ import annotations

from fabric_protos.gateway import gateway_pb2
from fabric_protos.orderer import ab_pb2

from gateway.client.errors import InvalidArgumentError
from gateway.client.identity import Identity, Signer
from gateway.client.proposal import require_name


def start_position(start_block: int | None) -> ab_pb2.SeekPosition:
    """``specified`` at ``start_block``, or ``next_commit`` when none is given."""
    if start_block is None:
        return ab_pb2.SeekPosition(next_commit=ab_pb2.SeekNextCommit())
    if isinstance(start_block, bool) or not isinstance(start_block, int) or start_block < 0:
        raise InvalidArgumentError("start_block", "must be a non-negative integer")
    return ab_pb2.SeekPosition(specified=ab_pb2.SeekSpecified(number=start_block))


def chaincode_events_request(
    identity: Identity,
    channel_id: str,
    chaincode_name: str,
    start_block: int | None = None,
    after_transaction_id: str = "",
) -> gateway_pb2.ChaincodeEventsRequest:
    require_name("channel_id", channel_id)
    require_name("chaincode_name", chaincode_name)
    if not isinstance(after_transaction_id, str):
        raise InvalidArgumentError("after_transaction_id", "must be a string")
    return gateway_pb2.ChaincodeEventsRequest(
        channel_id=channel_id,
        chaincode_id=chaincode_name,
        identity=identity.serialize(),
        start_position=start_position(start_block),
        after_transaction_id=after_transaction_id,
    )


def signed_events_request(request_bytes: bytes, signature: bytes) -> gateway_pb2.SignedChaincodeEventsRequest:
    if not request_bytes:
        raise InvalidArgumentError("request", "must not be empty")
    if not signature:
        raise InvalidArgumentError("signature", "must not be empty")
    return gateway_pb2.SignedChaincodeEventsRequest(request=request_bytes, signature=signature)


def signed_chaincode_events_request(
    identity: Identity,
    signer: Signer,
    channel_id: str,
    chaincode_name: str,
    start_block: int | None = None,
    after_transaction_id: str = "",
) -> gateway_pb2.SignedChaincodeEventsRequest:
    request_bytes = chaincode_events_request(
        identity, channel_id, chaincode_name, start_block, after_transaction_id
    ).SerializeToString()
    return signed_events_request(request_bytes, signer(request_bytes))
