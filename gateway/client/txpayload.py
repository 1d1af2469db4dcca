"""The part of a proposal that reaches the ledger, and the hash endorsers sign over it (reference 2.2)."""

from __future__ import annotations

import hashlib

from fabric_protos.common import common_pb2
from fabric_protos.peer import proposal_pb2


def payload_without_transient(chaincode_proposal_payload: bytes) -> bytes:
    """``ChaincodeProposalPayload`` minus ``TransientMap``: what is hashed and what goes into the transaction.

    Private data must never reach the ledger (``protoutil/txutils.go`` ``GetBytesProposalPayloadForTx``).
    """
    cpp = proposal_pb2.ChaincodeProposalPayload.FromString(chaincode_proposal_payload)
    return proposal_pb2.ChaincodeProposalPayload(input=cpp.input).SerializeToString()


def proposal_hash(proposal_bytes: bytes) -> bytes:
    """SHA-256(channel_header || signature_header || payload without transient) (reference 2.2)."""
    proposal = proposal_pb2.Proposal.FromString(proposal_bytes)
    header = common_pb2.Header.FromString(proposal.header)
    return hashlib.sha256(
        header.channel_header + header.signature_header + payload_without_transient(proposal.payload)
    ).digest()
