"""Test support: throwaway P-256 identities and endorsed proposal responses built from first principles.

Certificates come from the suite's one test PKI (``devnet.fixtures.pki``).
"""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives.asymmetric import ec
from devnet.fixtures.pki import CA
from fabric_protos.peer import chaincode_pb2, proposal_pb2, proposal_response_pb2

from gateway.client import ecdsa
from gateway.client.identity import Identity, Signer, canonical_pem, private_key_signer


def make_identity(msp_id: str, cn: str) -> tuple[Identity, Signer, ec.EllipticCurvePrivateKey]:
    """A self-signed identity: the fake gateway checks signatures against the certificate, not a chain."""
    own = CA.create(cn)
    return Identity(msp_id, canonical_pem(own.cert)), private_key_signer(own.key), own.key


def independent_proposal_hash(proposal_bytes: bytes) -> bytes:
    """Reference 2.2, recomputed here without the client's helpers."""
    from fabric_protos.common import common_pb2

    prop = proposal_pb2.Proposal.FromString(proposal_bytes)
    hdr = common_pb2.Header.FromString(prop.header)
    cpp = proposal_pb2.ChaincodeProposalPayload.FromString(prop.payload)
    stripped = proposal_pb2.ChaincodeProposalPayload(input=cpp.input).SerializeToString()
    return hashlib.sha256(hdr.channel_header + hdr.signature_header + stripped).digest()


def endorse(
    proposal_bytes: bytes,
    peer: tuple[Identity, Signer, ec.EllipticCurvePrivateKey],
    payload: bytes = b"result",
    status: int = 200,
    results: bytes = b"rwset",
) -> proposal_response_pb2.ProposalResponse:
    """What a peer's default ESCC returns (reference 3.1)."""
    action = proposal_pb2.ChaincodeAction(
        results=results,
        response=proposal_response_pb2.Response(status=status, payload=payload),
        chaincode_id=chaincode_pb2.ChaincodeID(name="assets", version="1.0"),
    )
    prp = proposal_response_pb2.ProposalResponsePayload(
        proposal_hash=independent_proposal_hash(proposal_bytes), extension=action.SerializeToString()
    ).SerializeToString()
    identity, _, key = peer
    endorser = identity.serialize()
    return proposal_response_pb2.ProposalResponse(
        version=1,
        response=proposal_response_pb2.Response(status=status, payload=payload),
        payload=prp,
        endorsement=proposal_response_pb2.Endorsement(endorser=endorser, signature=ecdsa.sign(key, prp + endorser)),
    )
