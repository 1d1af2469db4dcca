"""Building ``_lifecycle`` proposals (used by ``consortium deploy`` and tests).

Channel proposals come from the gateway client library; install and the other peer-local functions are
sent, as the peer CLI sends them, with an empty channel ID, which the client library refuses - so that one
variant is composed here from the same building blocks.
"""

from __future__ import annotations

from fabric_protos.common import common_pb2
from fabric_protos.peer import proposal_pb2

from gateway.client.identity import Identity, Signer
from gateway.client.proposal import (
    build_proposal,
    chaincode_invocation_spec,
    endorser_channel_header,
    signature_header,
    signed_proposal,
    to_timestamp,
)
from gateway.client.txid import compute_txid, new_nonce

LIFECYCLE = "_lifecycle"


def signed_system_proposal(identity: Identity, signer: Signer, channel_id: str, chaincode: str,
                           args: list[bytes]) -> tuple[proposal_pb2.SignedProposal, str]:
    """A proposal for a system chaincode; ``channel_id`` "" makes it peer-local (as the peer CLI sends it)."""
    if channel_id:
        prop, txid = build_proposal(identity, channel_id, chaincode, args)
    else:
        nonce = new_nonce()
        creator = identity.serialize()
        txid = compute_txid(nonce, creator)
        header = common_pb2.Header(
            channel_header=endorser_channel_header("", txid, chaincode, to_timestamp(None)),
            signature_header=signature_header(creator, nonce))
        payload = proposal_pb2.ChaincodeProposalPayload(input=chaincode_invocation_spec(chaincode, args, False))
        prop = proposal_pb2.Proposal(header=header.SerializeToString(), payload=payload.SerializeToString())
    raw = prop.SerializeToString()
    return signed_proposal(raw, signer(raw)), txid


def lifecycle_proposal(identity: Identity, signer: Signer, channel_id: str, function: str,
                       args: bytes) -> tuple[proposal_pb2.SignedProposal, str]:
    """``_lifecycle`` proposal with ``args = [function, bytes(<Args proto>)]``; channel "" = peer-local."""
    return signed_system_proposal(identity, signer, channel_id, LIFECYCLE, [function.encode(), args])
