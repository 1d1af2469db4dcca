"""Test support: throwaway P-256 identities and endorsed proposal responses built from first principles."""

from __future__ import annotations

import datetime
import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fabric_protos.peer import chaincode_pb2, proposal_pb2, proposal_response_pb2

from gateway.client import ecdsa
from gateway.client.identity import Identity, Signer, canonical_pem, private_key_signer


def make_identity(msp_id: str, cn: str) -> tuple[Identity, Signer, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return Identity(msp_id, canonical_pem(cert)), private_key_signer(key), key


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
