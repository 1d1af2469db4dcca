"""Property checks: for any arguments and transient data, the ledger-bound bytes obey reference 2.2/3.2."""

from __future__ import annotations

import hashlib

from fabric_protos.common import common_pb2
from fabric_protos.peer import chaincode_pb2, proposal_pb2, transaction_pb2
from gwclient_support import endorse, independent_proposal_hash, make_identity
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.client import ecdsa
from gateway.client.proposal import build_signed_proposal, proposal_hash
from gateway.client.transaction import assemble_envelope, prepare_envelope, sign_envelope

CLIENT = make_identity("Org1MSP", "prop-user")
PEER = make_identity("Org2MSP", "prop-peer")

names = st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=1, max_size=12)
args_strategy = st.lists(st.binary(max_size=40), min_size=1, max_size=5)
transient_strategy = st.dictionaries(names, st.binary(min_size=1, max_size=20), max_size=3)


@settings(max_examples=40, deadline=None)
@given(channel=names, chaincode=names, args=args_strategy, transient=transient_strategy)
def test_envelope_invariants(channel: str, chaincode: str, args: list[bytes], transient: dict[str, bytes]) -> None:
    identity, signer, key = CLIENT
    sp, tx_id = build_signed_proposal(identity, signer, channel, chaincode, args, transient=transient)
    prop = proposal_pb2.Proposal.FromString(sp.proposal_bytes)
    cpp = proposal_pb2.ChaincodeProposalPayload.FromString(prop.payload)
    assert dict(cpp.TransientMap) == transient
    cis = chaincode_pb2.ChaincodeInvocationSpec.FromString(cpp.input)
    assert list(cis.chaincode_spec.input.args) == args
    assert proposal_hash(sp.proposal_bytes) == independent_proposal_hash(sp.proposal_bytes)

    responses = [endorse(sp.proposal_bytes, PEER)]
    online = assemble_envelope(sp, responses, signer)
    unsigned = prepare_envelope(sp, responses)
    offline = sign_envelope(unsigned, ecdsa.sign_digest(key, hashlib.sha256(unsigned.payload).digest()))
    assert online.payload == offline.payload
    for env in (online, offline):
        assert ecdsa.verify(key.public_key(), env.payload, env.signature)

    payload = common_pb2.Payload.FromString(online.payload)
    assert common_pb2.ChannelHeader.FromString(payload.header.channel_header).tx_id == tx_id
    tx = transaction_pb2.Transaction.FromString(payload.data)
    cap = transaction_pb2.ChaincodeActionPayload.FromString(tx.actions[0].payload)
    stored = proposal_pb2.ChaincodeProposalPayload.FromString(cap.chaincode_proposal_payload)
    assert dict(stored.TransientMap) == {} and stored.input == cpp.input
