"""Envelope assembly (reference 3.2): structure, signatures, transient stripping, dedupe, mismatch checks."""

from __future__ import annotations

import pytest
from fabric_protos.common import common_pb2
from fabric_protos.peer import proposal_pb2, proposal_response_pb2, transaction_pb2
from gwclient_support import endorse, independent_proposal_hash

from gateway.client import ecdsa
from gateway.client.errors import EndorsementMismatchError
from gateway.client.proposal import build_signed_proposal
from gateway.client.transaction import assemble_envelope, prepare_envelope


def test_envelope_layout_and_signatures(client, peers) -> None:
    identity, signer, key = client
    sp, tx_id = build_signed_proposal(identity, signer, "ch", "assets", [b"f", b"x"], transient={"p": b"secret"})
    responses = [endorse(sp.proposal_bytes, p) for p in peers]
    env = assemble_envelope(sp, responses, signer)

    assert ecdsa.verify(key.public_key(), env.payload, env.signature)
    payload = common_pb2.Payload.FromString(env.payload)
    prop = proposal_pb2.Proposal.FromString(sp.proposal_bytes)
    prop_hdr = common_pb2.Header.FromString(prop.header)
    assert payload.header.channel_header == prop_hdr.channel_header
    assert payload.header.signature_header == prop_hdr.signature_header
    assert common_pb2.ChannelHeader.FromString(payload.header.channel_header).tx_id == tx_id

    tx = transaction_pb2.Transaction.FromString(payload.data)
    assert len(tx.actions) == 1
    assert tx.actions[0].header == prop_hdr.signature_header
    cap = transaction_pb2.ChaincodeActionPayload.FromString(tx.actions[0].payload)
    cpp = proposal_pb2.ChaincodeProposalPayload.FromString(cap.chaincode_proposal_payload)
    assert dict(cpp.TransientMap) == {}
    assert b"secret" not in env.payload
    assert cap.action.proposal_response_payload == responses[0].payload
    # The committer's proposal-hash check (GetProposalHash2) must succeed on these bytes.
    prp = proposal_response_pb2.ProposalResponsePayload.FromString(cap.action.proposal_response_payload)
    import hashlib

    committer_hash = hashlib.sha256(
        payload.header.channel_header + payload.header.signature_header + cap.chaincode_proposal_payload
    ).digest()
    assert committer_hash == prp.proposal_hash == independent_proposal_hash(sp.proposal_bytes)
    assert [e.endorser for e in cap.action.endorsements] == [p[0].serialize() for p in peers]
    for e, p in zip(cap.action.endorsements, peers, strict=True):
        assert ecdsa.verify(p[2].public_key(), cap.action.proposal_response_payload + e.endorser, e.signature)


def test_unsigned_variant_has_same_payload(client, peers) -> None:
    identity, signer, _ = client
    sp, _ = build_signed_proposal(identity, signer, "ch", "assets", [b"f"])
    responses = [endorse(sp.proposal_bytes, p) for p in peers]
    unsigned = prepare_envelope(sp, responses)
    assert unsigned.signature == b""
    assert unsigned.payload == assemble_envelope(sp, responses, signer).payload


def test_duplicate_endorsers_are_dropped(client, peers) -> None:
    identity, signer, _ = client
    sp, _ = build_signed_proposal(identity, signer, "ch", "assets", [b"f"])
    r = endorse(sp.proposal_bytes, peers[0])
    env = prepare_envelope(sp, [r, r, endorse(sp.proposal_bytes, peers[1])])
    tx = transaction_pb2.Transaction.FromString(common_pb2.Payload.FromString(env.payload).data)
    cap = transaction_pb2.ChaincodeActionPayload.FromString(tx.actions[0].payload)
    assert len(cap.action.endorsements) == 2


def test_payload_mismatch_is_refused(client, peers) -> None:
    identity, signer, _ = client
    sp, _ = build_signed_proposal(identity, signer, "ch", "assets", [b"f"])
    a = endorse(sp.proposal_bytes, peers[0], payload=b"one")
    b = endorse(sp.proposal_bytes, peers[1], payload=b"two")
    with pytest.raises(EndorsementMismatchError, match=r"responses\[1\]: ProposalResponsePayloads do not match"):
        assemble_envelope(sp, [a, b], signer)


def test_failed_response_and_missing_endorsements_are_refused(client, peers) -> None:
    identity, signer, _ = client
    sp, _ = build_signed_proposal(identity, signer, "ch", "assets", [b"f"])
    bad = endorse(sp.proposal_bytes, peers[0], status=500)
    with pytest.raises(EndorsementMismatchError, match="status 500"):
        prepare_envelope(sp, [bad])
    unendorsed = endorse(sp.proposal_bytes, peers[0])
    unendorsed.ClearField("endorsement")
    with pytest.raises(EndorsementMismatchError, match="no endorsements"):
        prepare_envelope(sp, [unendorsed])
    with pytest.raises(EndorsementMismatchError, match="at least one"):
        prepare_envelope(sp, [])
