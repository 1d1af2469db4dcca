"""The gRPC layer against an in-process Gateway double: calls, offline signing, errors, event resume."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from fabric_protos.common import common_pb2
from fabric_protos.gateway import gateway_pb2
from fabric_protos.peer import chaincode_event_pb2, proposal_pb2, transaction_pb2
from gwclient_server import FakeGateway, serve

from gateway.client import (
    CommitError,
    CommitStatusError,
    Contract,
    EndorseError,
    EvaluateError,
    InvalidArgumentError,
    Network,
    checkpointers,
    connect,
    ecdsa,
)
from gateway.client.commit import signed_commit_status_request


@pytest.fixture()
def fake(peers) -> Iterator[tuple[FakeGateway, grpc.Channel]]:
    servicer = FakeGateway(peers)
    server, port = serve(servicer)
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    yield servicer, channel
    channel.close()
    server.stop(None)


@pytest.fixture()
def network(fake, client) -> Network:
    """Channel "ch" through the double, for the signing client."""
    return connect(fake[1], *client[:2]).get_network("ch")


@pytest.fixture()
def contract(network: Network) -> Contract:
    return network.get_contract("assets")


def of_type(servicer: FakeGateway, cls: type) -> list:
    return [r for r in servicer.requests if isinstance(r, cls)]


def test_submit_transaction_endorses_submits_and_waits_for_commit(fake, client) -> None:
    servicer, channel = fake
    identity, signer, key = client
    contract = connect(channel, identity, signer).get_network("mychannel").get_contract("assets")
    assert contract.submit_transaction("CreateAsset", "a1", b"blue") == b"result:a1,blue"

    endorse_req = of_type(servicer, gateway_pb2.EndorseRequest)[0]
    submit_req = of_type(servicer, gateway_pb2.SubmitRequest)[0]
    status_req = of_type(servicer, gateway_pb2.SignedCommitStatusRequest)[0]
    tx_id = endorse_req.transaction_id
    assert endorse_req.channel_id == submit_req.channel_id == "mychannel"
    assert submit_req.transaction_id == tx_id and servicer.committed[tx_id][0] == 0
    env = submit_req.prepared_transaction
    assert ecdsa.verify(key.public_key(), env.payload, env.signature)
    chdr = common_pb2.ChannelHeader.FromString(common_pb2.Payload.FromString(env.payload).header.channel_header)
    assert chdr.tx_id == tx_id
    inner = gateway_pb2.CommitStatusRequest.FromString(status_req.request)
    assert (inner.transaction_id, inner.channel_id, inner.identity) == (tx_id, "mychannel", identity.serialize())


def test_submit_async_exposes_result_and_status(fake, contract) -> None:
    servicer, _ = fake
    submitted = contract.submit_async("Move", ["x"])
    assert submitted.get_result() == b"result:x"
    status = submitted.get_status()
    assert status.successful and status.code == transaction_pb2.TxValidationCode.VALID
    assert status.block_number == servicer.committed[submitted.transaction_id][1]


def test_evaluate_passes_target_organizations_and_contract_name(fake, network) -> None:
    servicer, _ = fake
    assert network.get_contract("assets").evaluate("Read", ["k"], endorsing_organizations=["Org2MSP"]) == (
        b"Read|k@Org2MSP"
    )
    assert network.get_contract("assets", "Registry").evaluate_transaction("Read") == b"Registry:Read@"
    assert not of_type(servicer, gateway_pb2.SubmitRequest)


def test_endorse_error_carries_each_peers_message(contract) -> None:
    with pytest.raises(EndorseError) as info:
        contract.submit_transaction("Fail")
    err = info.value
    assert err.code == grpc.StatusCode.ABORTED
    assert [(d.address, d.msp_id, d.message) for d in err.details] == [
        ("peer0:7051", "Org1MSP", "endorser 0 refused"),
        ("peer1:7051", "Org2MSP", "endorser 1 refused"),
    ]
    assert "endorser 1 refused" in str(err) and err.transaction_id


def test_evaluate_error_details(contract) -> None:
    with pytest.raises(EvaluateError) as info:
        contract.evaluate_transaction("Fail")
    assert info.value.code == grpc.StatusCode.UNKNOWN
    assert info.value.details[0].message == "chaincode response 500, boom"


def test_commit_error_carries_validation_code(fake, contract) -> None:
    servicer, _ = fake
    with pytest.raises(CommitError) as info:
        contract.submit_transaction("Invalid")
    assert info.value.code == transaction_pb2.TxValidationCode.MVCC_READ_CONFLICT
    assert info.value.code_name == "MVCC_READ_CONFLICT"
    assert info.value.block_number == servicer.committed[info.value.transaction_id][1]


def test_commit_status_error_for_unknown_transaction(fake, client) -> None:
    _, channel = fake
    identity, signer, _ = client
    gw = connect(channel, identity, signer)
    request = signed_commit_status_request(identity, signer, "ch", "deadbeef")
    commit = gw.new_signed_commit(request.SerializeToString(), request.signature)
    with pytest.raises(CommitStatusError) as info:
        commit.get_status()
    assert info.value.code == grpc.StatusCode.NOT_FOUND


def test_prepared_transaction_with_foreign_header_is_not_signed(fake, contract) -> None:
    servicer, _ = fake
    with pytest.raises(InvalidArgumentError) as info:
        contract.submit_transaction("Tamper")
    assert info.value.field == "prepared_transaction.payload.header.channel_header"
    assert not of_type(servicer, gateway_pb2.SubmitRequest)


def test_offline_signing_matches_online_path(fake, client) -> None:
    servicer, channel = fake
    identity, signer, key = client
    gw = connect(channel, identity)  # no signer: every step is signed "elsewhere"
    contract = gw.get_network("ch").get_contract("assets")

    unsigned = contract.new_proposal("CreateAsset", ["a9"], transient_data={"price": b"7"})
    with pytest.raises(InvalidArgumentError, match="proposal.signature"):
        unsigned.endorse()
    proposed = gateway_pb2.ProposedTransaction.FromString(unsigned.bytes)
    assert unsigned.digest == hashlib.sha256(proposed.proposal.proposal_bytes).digest()
    proposal = gw.new_signed_proposal(unsigned.bytes, ecdsa.sign_digest(key, unsigned.digest))
    assert proposal.transaction_id == unsigned.transaction_id

    tx = proposal.endorse()
    sent = of_type(servicer, gateway_pb2.EndorseRequest)[0].proposed_transaction
    assert sent.proposal_bytes == proposed.proposal.proposal_bytes
    # The offline signature is exactly what the online signer would produce a verifying signature for.
    assert ecdsa.verify(key.public_key(), sent.proposal_bytes, sent.signature)
    assert ecdsa.verify(key.public_key(), sent.proposal_bytes, signer(sent.proposal_bytes))

    prepared = gateway_pb2.PreparedTransaction.FromString(tx.bytes)
    assert tx.digest == hashlib.sha256(prepared.envelope.payload).digest()
    signed_tx = gw.new_signed_transaction(tx.bytes, ecdsa.sign_digest(key, tx.digest))
    assert signed_tx.result == tx.result == b"result:a9"
    commit = signed_tx.submit()
    commit = gw.new_signed_commit(commit.bytes, ecdsa.sign_digest(key, commit.digest))
    status = commit.get_status()
    assert status.successful and status.transaction_id == unsigned.transaction_id
    env = of_type(servicer, gateway_pb2.SubmitRequest)[0].prepared_transaction
    assert ecdsa.verify(key.public_key(), env.payload, env.signature)
    assert b"price" not in env.payload


def emit(servicer: FakeGateway, *tx_ids: str, chaincode: str = "assets") -> int:
    return servicer.add_block(
        [
            chaincode_event_pb2.ChaincodeEvent(chaincode_id=chaincode, tx_id=t, event_name="E", payload=t.encode())
            for t in tx_ids
        ]
    )


def test_events_resume_after_restart_from_file_checkpoint(fake, network, tmp_path: Path) -> None:
    servicer, _ = fake
    emit(servicer, "t0")
    emit(servicer, "t1a", "t1b", "t1c")
    emit(servicer, "x", chaincode="other")
    emit(servicer, "t3")
    path = tmp_path / "cp.json"

    checkpoint = checkpointers.file(path)
    events = network.get_chaincode_events("assets", start_block=0, checkpoint=checkpoint)
    seen = []
    for event in events:
        seen.append(event.transaction_id)
        checkpoint.checkpoint_chaincode_event(event)
        if event.transaction_id == "t1b":
            events.close()  # simulated crash mid-block
            break
    assert seen == ["t0", "t1a", "t1b"]

    restarted = checkpointers.file(path)
    assert (restarted.block_number, restarted.transaction_id) == (1, "t1b")
    stream = network.get_chaincode_events("assets", checkpoint=restarted)
    resumed = [(e.block_number, e.transaction_id, e.payload) for e in stream]
    assert resumed == [(1, "t1c", b"t1c"), (3, "t3", b"t3")]
    last = of_type(servicer, gateway_pb2.SignedChaincodeEventsRequest)[-1]
    inner = gateway_pb2.ChaincodeEventsRequest.FromString(last.request)
    assert inner.after_transaction_id == "t1b" and inner.start_position.specified.number == 1


def test_events_start_block_without_checkpoint_and_offline_signing(fake, client) -> None:
    servicer, channel = fake
    identity, _, key = client
    for t in ("a", "b", "c"):
        emit(servicer, t)
    gw = connect(channel, identity)
    unsigned = gw.get_network("ch").new_chaincode_events_request("assets", start_block=1)
    request = gw.new_signed_chaincode_events_request(unsigned.bytes, ecdsa.sign_digest(key, unsigned.digest))
    assert [e.transaction_id for e in request.get_events()] == ["b", "c"]


def test_closing_a_live_stream_ends_iteration(fake, network) -> None:
    servicer, _ = fake
    servicer.hold_streams_open = True
    emit(servicer, "only")
    with network.get_chaincode_events("assets", start_block=0) as events:
        assert next(events).transaction_id == "only"
        events.close()
        with pytest.raises(StopIteration):
            next(events)


def test_signed_transaction_survives_a_restart_and_status_is_queryable(fake, client) -> None:
    servicer, channel = fake
    identity, signer, key = client
    contract = connect(channel, identity, signer).get_network("ch").get_contract("assets")
    stored = contract.new_proposal("CreateAsset", ["z"]).endorse().sign().bytes
    assert not of_type(servicer, gateway_pb2.SubmitRequest)

    after_restart = connect(channel, identity, signer)
    tx = after_restart.restore_transaction(stored)
    env = gateway_pb2.PreparedTransaction.FromString(stored).envelope
    assert ecdsa.verify(key.public_key(), env.payload, env.signature)
    tx.submit()
    sent = of_type(servicer, gateway_pb2.SubmitRequest)[0].prepared_transaction
    assert sent.SerializeToString() == env.SerializeToString()
    status = after_restart.get_network("ch").new_commit(tx.transaction_id).get_status()
    assert status.successful and status.transaction_id == tx.transaction_id


def test_restoring_an_unsigned_transaction_is_refused(fake, client) -> None:
    _, channel = fake
    identity, signer, _ = client
    gw = connect(channel, identity, signer)
    unsigned = gw.get_network("ch").get_contract("assets").new_proposal("F").endorse().bytes
    with pytest.raises(InvalidArgumentError) as info:
        gw.restore_transaction(unsigned)
    assert info.value.field == "bytes.envelope.signature"


GARBAGE = b"\x0a\x05\xff\xff"
BAD_PROPOSAL = gateway_pb2.ProposedTransaction(
    proposal=proposal_pb2.SignedProposal(proposal_bytes=GARBAGE)
).SerializeToString()
BAD_ENVELOPE = gateway_pb2.PreparedTransaction(envelope=common_pb2.Envelope(payload=GARBAGE)).SerializeToString()


@pytest.mark.parametrize(
    ("method", "data", "field"),
    [
        ("new_signed_proposal", GARBAGE, "bytes"),
        ("new_signed_proposal", BAD_PROPOSAL, "proposal.proposal_bytes"),
        ("new_signed_transaction", GARBAGE, "bytes"),
        ("new_signed_transaction", BAD_ENVELOPE, "envelope.payload"),
        ("new_signed_commit", GARBAGE, "bytes"),
        ("new_signed_chaincode_events_request", GARBAGE, "bytes"),
    ],
)
def test_garbage_offline_bytes_are_refused_with_field(fake, client, method: str, data: bytes, field: str) -> None:
    _, channel = fake
    gw = connect(channel, client[0])
    with pytest.raises(InvalidArgumentError) as info:
        getattr(gw, method)(data, b"sig")
    assert info.value.field == field


def test_bad_connect_and_contract_arguments(fake, client) -> None:
    _, channel = fake
    with pytest.raises(InvalidArgumentError, match="identity"):
        connect(channel, "Org1MSP")  # type: ignore[arg-type]
    network = connect(channel, client[0]).get_network("ch")
    with pytest.raises(InvalidArgumentError, match="chaincode_name"):
        network.get_contract("")
    with pytest.raises(InvalidArgumentError, match="transaction_name"):
        network.get_contract("cc").new_proposal("")
