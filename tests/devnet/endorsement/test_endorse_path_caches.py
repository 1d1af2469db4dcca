"""The endorse path's memos answer exactly as recomputing would: definitions follow their Sequence entry,
the proposal is decoded once with the filters' error order intact, a peer's own endorsement is known to the
channel MSP as verified, and chaincode state requests are answered inline in stream order."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from fabric_protos.common import common_pb2
from fabric_protos.peer import chaincode_shim_pb2, proposal_pb2

from devnet.endorsement.memstate import MemState
from devnet.endorsement.support import CHANNEL, deployed_chaincode, peers_for, user
from network.devnet.chaincode.handler import RequestServer, TransactionContext
from network.devnet.chaincode.simulator import TxSimulator
from network.devnet.endorser import proposal as checks
from network.devnet.endorser.definitions import DefinitionCache, sequence_key
from network.devnet.lifecycle import serializer as ser
from network.devnet.lifecycle.definition import ChaincodeDefinition, ChaincodeParameters, read_definition
from network.layout import NetworkLayout

Msg = chaincode_shim_pb2.ChaincodeMessage


def commit_definition(state: MemState, name: str, sequence: int, version: str, block: int) -> None:
    definition = ChaincodeDefinition(sequence, ChaincodeParameters(version=version, validation_parameter=b"vp"))
    for key, value in definition.state_writes(name).items():
        state.put(ser.LIFECYCLE_NS, key, value, block, 0)


def test_definition_cache_answers_as_read_definition_and_follows_a_redefinition() -> None:
    state = MemState()
    commit_definition(state, "cc", 1, "1.0", block=3)
    cache = DefinitionCache()
    first = cache.lookup(CHANNEL, state, "cc")
    assert first is not None and first.sequence == 1 and first.parameters.version == "1.0"
    assert cache.lookup(CHANNEL, state, "cc") is first  # same Sequence entry: the cached object
    commit_definition(state, "cc", 2, "2.0", block=7)  # a redefinition writes every field with Sequence
    second = cache.lookup(CHANNEL, state, "cc")
    assert second is not None and (second.sequence, second.parameters.version) == (2, "2.0")

    def read(key: str) -> bytes | None:
        committed = state.get_state(ser.LIFECYCLE_NS, key)
        return committed.value if committed is not None else None

    assert second == read_definition(read, "cc")
    assert cache.lookup(CHANNEL, state, "undefined") is None


def test_definition_read_under_a_different_sequence_is_not_cached() -> None:
    """A commit landing between the Sequence read and the field reads must not be cached under the old entry."""
    state = MemState()
    commit_definition(state, "cc", 1, "1.0", block=3)
    stale_sequence = state.get_state(ser.LIFECYCLE_NS, sequence_key("cc"))
    commit_definition(state, "cc", 2, "2.0", block=5)
    cache = DefinitionCache()
    seen = cache.definition(CHANNEL, state, "cc", stale_sequence)
    assert seen is not None and seen.sequence == 2
    commit_definition(state, "cc", 3, "3.0", block=9)
    again = cache.definition(CHANNEL, state, "cc", stale_sequence)
    assert again is not None and again.sequence == 3  # re-read, not a memo of the mismatched read


def test_decoded_proposal_keeps_the_filters_error_order(layout: NetworkLayout) -> None:
    client = user(layout, "Org1MSP")
    signed, _ = client.proposal("testcc", "put", "k", "v")
    prop = proposal_pb2.Proposal.FromString(signed.proposal_bytes)
    header = common_pb2.Header.FromString(prop.header)
    header.channel_header = b"\xff\xff"  # broken channel header, intact signature header
    prop.header = header.SerializeToString()
    broken = proposal_pb2.SignedProposal(proposal_bytes=prop.SerializeToString(), signature=b"sig")
    parts = checks.DecodedProposal(broken)
    now = dt.datetime.now(dt.UTC)
    checks.check_expiration(parts, now)  # needs only the signature header
    with pytest.raises(checks.ProposalError, match="could not unmarshal channel header"):
        checks.check_time_window(parts, now)
    good = checks.DecodedProposal(signed)
    checks.check_expiration(good, now)
    checks.check_time_window(good, now)
    up = checks.unpack_proposal(good)
    assert up.proposal is good.proposal and up.channel_header is good.channel_header
    assert up.proposal_hash == checks.unpack_proposal(signed).proposal_hash


def test_own_endorsement_is_remembered_by_the_channel_msp(layout: NetworkLayout, tmp_path: Path) -> None:
    async def body() -> None:
        peers = peers_for(layout, tmp_path)
        async with deployed_chaincode(layout, peers):
            signed, _ = user(layout, "Org1MSP").proposal("testcc", "put", "k1", "v1")
            out = await peers[0].process(signed)
            assert out.response.response.status == 200, out
            endorsement = out.response.endorsement
            identity = peers[0].channel.bundle.msp_manager.deserialize_identity(endorsement.endorser)
            identity._verify_uncached = None  # any curve arithmetic now would fail loudly
            assert identity.verify(out.response.payload + endorsement.endorser, endorsement.signature)

    asyncio.run(body())


def test_state_requests_are_answered_inline_and_cc2cc_later() -> None:
    state = MemState()
    state.put("cc", "a", b"1", 2, 0)
    sim = TxSimulator(state, "tx1")
    ctx = TransactionContext(channel_id=CHANNEL, txid="tx1", namespace="cc", simulator=sim,
                             signed_proposal=proposal_pb2.SignedProposal())
    server = RequestServer(ctx)
    get = Msg(type=Msg.GET_STATE, payload=chaincode_shim_pb2.GetState(key="a").SerializeToString(),
              txid="tx1", channel_id=CHANNEL)
    reply = server(get)
    assert isinstance(reply, Msg) and reply.type == Msg.RESPONSE and reply.payload == b"1"
    invoke = Msg(type=Msg.INVOKE_CHAINCODE, txid="tx1", channel_id=CHANNEL)
    pending = server(invoke)
    assert not isinstance(pending, Msg)

    async def settle() -> None:
        with pytest.raises(Exception, match="chaincode name is empty"):
            await pending  # type: ignore[misc]

    asyncio.run(settle())
