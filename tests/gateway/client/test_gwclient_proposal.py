"""Byte-level checks of proposals against reference 2.1/2.2, recomputed independently."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from fabric_protos.common import common_pb2
from fabric_protos.msp import identities_pb2
from fabric_protos.peer import chaincode_pb2, proposal_pb2
from gwclient_support import independent_proposal_hash

from gateway.client import ecdsa
from gateway.client.errors import InvalidArgumentError
from gateway.client.proposal import build_proposal, build_signed_proposal, proposal_hash, signed_proposal


def test_signed_proposal_fields_match_fabric_layout(client) -> None:
    identity, signer, key = client
    nonce = bytes(range(24))
    when = datetime.datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=datetime.UTC)
    sp, tx_id = build_signed_proposal(
        identity, signer, "mychannel", "assets", [b"CreateAsset", b"a1", "blue"], nonce=nonce, timestamp=when
    )
    assert ecdsa.verify(key.public_key(), sp.proposal_bytes, sp.signature)
    assert ecdsa.is_low_s(sp.signature)

    prop = proposal_pb2.Proposal.FromString(sp.proposal_bytes)
    assert prop.extension == b""
    hdr = common_pb2.Header.FromString(prop.header)
    chdr = common_pb2.ChannelHeader.FromString(hdr.channel_header)
    shdr = common_pb2.SignatureHeader.FromString(hdr.signature_header)

    creator = identities_pb2.SerializedIdentity.FromString(shdr.creator)
    assert creator.mspid == "Org1MSP"
    assert creator.id_bytes == identity.certificate_pem
    assert shdr.nonce == nonce
    assert tx_id == hashlib.sha256(nonce + shdr.creator).hexdigest()
    assert chdr.tx_id == tx_id
    assert chdr.type == common_pb2.HeaderType.ENDORSER_TRANSACTION == 3
    assert chdr.version == 0 and chdr.epoch == 0
    assert chdr.channel_id == "mychannel"
    assert chdr.timestamp.ToDatetime(tzinfo=datetime.UTC) == when
    ext = proposal_pb2.ChaincodeHeaderExtension.FromString(chdr.extension)
    assert ext.chaincode_id.name == "assets"

    cpp = proposal_pb2.ChaincodeProposalPayload.FromString(prop.payload)
    assert dict(cpp.TransientMap) == {}
    cis = chaincode_pb2.ChaincodeInvocationSpec.FromString(cpp.input)
    assert cis.chaincode_spec.chaincode_id.name == "assets"
    assert list(cis.chaincode_spec.input.args) == [b"CreateAsset", b"a1", b"blue"]
    assert cis.chaincode_spec.input.is_init is False


def test_default_nonce_is_24_random_bytes_and_txids_differ(client) -> None:
    identity, signer, _ = client
    sp1, tx1 = build_signed_proposal(identity, signer, "ch", "cc", [b"f"])
    sp2, tx2 = build_signed_proposal(identity, signer, "ch", "cc", [b"f"])
    hdr = common_pb2.Header.FromString(proposal_pb2.Proposal.FromString(sp1.proposal_bytes).header)
    assert len(common_pb2.SignatureHeader.FromString(hdr.signature_header).nonce) == 24
    assert tx1 != tx2


def test_transient_data_is_in_proposal_but_not_in_proposal_hash(client) -> None:
    identity, _, _ = client
    nonce = b"n" * 24
    stamp = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    with_t, _ = build_proposal(identity, "ch", "cc", [b"f"], transient={"secret": b"xyz"}, nonce=nonce, timestamp=stamp)
    without, _ = build_proposal(identity, "ch", "cc", [b"f"], nonce=nonce, timestamp=stamp)
    cpp = proposal_pb2.ChaincodeProposalPayload.FromString(with_t.payload)
    assert dict(cpp.TransientMap) == {"secret": b"xyz"}
    h = proposal_hash(with_t.SerializeToString())
    assert h == independent_proposal_hash(with_t.SerializeToString())
    assert h == proposal_hash(without.SerializeToString())
    assert with_t.payload != without.payload


def test_is_init_flag_is_carried(client) -> None:
    identity, _, _ = client
    prop, _ = build_proposal(identity, "ch", "cc", [b"Init"], is_init=True)
    cis = chaincode_pb2.ChaincodeInvocationSpec.FromString(
        proposal_pb2.ChaincodeProposalPayload.FromString(prop.payload).input
    )
    assert cis.chaincode_spec.input.is_init is True


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"channel_id": ""}, "channel_id"),
        ({"chaincode_name": ""}, "chaincode_name"),
        ({"args": []}, "args"),
        ({"args": [b"f", 3]}, "args[1]"),
        ({"args": b"f"}, "args"),
        ({"nonce": b""}, "nonce"),
        ({"transient": {"k": 5}}, "transient['k']"),
        ({"timestamp": datetime.datetime(2026, 1, 1)}, "timestamp"),
    ],
)
def test_bad_input_names_the_field(client, kwargs: dict, field: str) -> None:
    identity, _, _ = client
    params = {"channel_id": "ch", "chaincode_name": "cc", "args": [b"f"]} | kwargs
    with pytest.raises(InvalidArgumentError) as info:
        build_proposal(identity, **params)
    assert info.value.field == field
    assert str(info.value).startswith(field)


def test_signed_proposal_refuses_empty_signature() -> None:
    with pytest.raises(InvalidArgumentError, match="signature"):
        signed_proposal(b"x", b"")
