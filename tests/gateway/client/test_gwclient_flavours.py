"""One code path, two flavours: the sync and asyncio classes share building, signing and parsing and differ only
in how each RPC is made (``rpc.blocking`` / ``rpc.awaited``). No gRPC here: stub methods are plain callables."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import grpc
import pytest
from fabric_protos.gateway import gateway_pb2

from gateway.client import ecdsa
from gateway.client.aio import AsyncCommit, AsyncContract, AsyncProposal, AsyncTransaction, connect_async
from gateway.client.commit import Commit, commit_status_request, signed_commit_status_request
from gateway.client.contract import Contract
from gateway.client.errors import EvaluateError
from gateway.client.events import chaincode_events_request, signed_chaincode_events_request
from gateway.client.gateway import connect
from gateway.client.identity import Identity
from gateway.client.proposal import Proposal, proposal_channel
from gateway.client.rpc import Exchange, Flow, awaited, blocking
from gateway.client.transaction import Transaction

RPC_METHODS = {
    (Contract, AsyncContract): ("evaluate", "evaluate_transaction", "submit_async", "submit", "submit_transaction"),
    (Proposal, AsyncProposal): ("evaluate", "endorse"),
    (Transaction, AsyncTransaction): ("submit",),
    (Commit, AsyncCommit): ("get_status",),
}


@pytest.mark.parametrize(("flavours", "names"), RPC_METHODS.items(), ids=lambda v: getattr(v[0], "__name__", ""))
def test_async_rpc_methods_are_coroutine_functions_and_sync_ones_are_not(flavours: tuple, names: tuple) -> None:
    sync, aio = flavours
    for name in names:
        assert not inspect.iscoroutinefunction(getattr(sync, name)), f"{sync.__name__}.{name}"
        assert inspect.iscoroutinefunction(getattr(aio, name)), f"{aio.__name__}.{name}"


class Refused(grpc.RpcError):
    """What a failed call raises: a status code, a message and (no) trailing metadata."""

    def code(self) -> grpc.StatusCode:
        return grpc.StatusCode.UNAVAILABLE

    def details(self) -> str:
        return "no peer"

    def trailing_metadata(self) -> tuple:
        return ()


def refuse(request: object, timeout: float | None = None) -> Any:
    raise Refused()


def answer(request: object, timeout: float | None = None) -> tuple[object, float | None]:
    return request, timeout


async def answer_async(request: object, timeout: float | None = None) -> tuple[object, float | None]:
    return request, timeout


def two_calls(method: Any) -> Flow[list[object]]:
    """A flow of two exchanges that returns what it was sent back."""
    first = yield Exchange(method, "one", 1.0, EvaluateError, "tx1")
    second = yield Exchange(method, "two", None, EvaluateError, "tx1")
    return [first, second]


def test_blocking_sends_each_response_back_into_the_flow() -> None:
    assert blocking(two_calls)(answer) == [("one", 1.0), ("two", None)]


def test_awaited_sends_each_response_back_into_the_flow() -> None:
    assert asyncio.run(awaited(two_calls)(answer_async)) == [("one", 1.0), ("two", None)]


def test_a_failed_call_becomes_the_exchanges_error_with_its_transaction_id() -> None:
    async def refuse_async(request: object, timeout: float | None = None) -> Any:
        raise Refused()

    with pytest.raises(EvaluateError) as sync_info:
        blocking(two_calls)(refuse)
    with pytest.raises(EvaluateError) as async_info:
        asyncio.run(awaited(two_calls)(refuse_async))
    for error in (sync_info.value, async_info.value):
        assert (error.code, error.status_message, error.transaction_id) == (
            grpc.StatusCode.UNAVAILABLE, "no peer", "tx1"
        )
        assert isinstance(error.__cause__, Refused)


class Channel:
    """Enough of a channel for the generated stubs; no call is made through it."""

    def unary_unary(self, *args: object, **kwargs: object) -> Any:
        return refuse

    unary_stream = stream_stream = unary_unary


def test_both_flavours_rebuild_the_same_requests_from_the_same_bytes(client) -> None:
    identity, signer, key = client
    sync_gw, async_gw = connect(Channel(), identity, signer), connect_async(Channel(), identity, signer)
    unsigned = sync_gw.get_network("ch").get_contract("assets").new_proposal("F", ["x"], endorsing_organizations=["O"])
    signature = ecdsa.sign_digest(key, unsigned.digest)
    sync_proposal = sync_gw.new_signed_proposal(unsigned.bytes, signature)
    async_proposal = async_gw.new_signed_proposal(unsigned.bytes, signature)
    assert isinstance(async_proposal, AsyncProposal) and isinstance(sync_proposal, Proposal)
    assert async_proposal.evaluate_request() == sync_proposal.evaluate_request()
    assert async_proposal.endorse_request() == sync_proposal.endorse_request()
    assert (async_proposal.bytes, async_proposal.digest) == (sync_proposal.bytes, sync_proposal.digest)
    commit = async_gw.get_network("ch").new_commit(unsigned.transaction_id)
    assert isinstance(commit, AsyncCommit)
    assert commit.bytes == sync_gw.get_network("ch").new_commit(unsigned.transaction_id).bytes


def test_a_locally_built_proposal_knows_the_channel_its_bytes_name(client) -> None:
    for gw in (connect(Channel(), *client[:2]), connect_async(Channel(), *client[:2])):
        proposal = gw.get_network("my-channel").get_contract("assets").new_proposal("F")
        assert proposal.channel_id == proposal_channel(gateway_pb2.ProposedTransaction.FromString(
            proposal.bytes
        ).proposal.proposal_bytes) == "my-channel"


def test_signed_builders_sign_exactly_what_the_unsigned_builders_build(client) -> None:
    identity, signer, key = client
    commit = signed_commit_status_request(identity, signer, "ch", "tx1")
    assert commit.request == commit_status_request(identity, "ch", "tx1").SerializeToString()
    events = signed_chaincode_events_request(identity, signer, "ch", "assets", start_block=4)
    assert events.request == chaincode_events_request(identity, "ch", "assets", start_block=4).SerializeToString()
    for signed in (commit, events):
        assert ecdsa.verify(key.public_key(), signed.request, signed.signature)


def test_identity_bytes_are_made_once_and_identities_still_compare_by_value(client) -> None:
    identity = client[0]
    copy = Identity(identity.msp_id, identity.certificate_pem)
    assert copy.serialize() is copy.serialize()
    assert copy.serialize() == identity.serialize() and copy == identity and hash(copy) == hash(identity)


@pytest.mark.parametrize("flavour", [Contract, AsyncContract])
def test_contract_operations_take_exactly_new_proposals_parameters(flavour: type) -> None:
    expected = list(inspect.signature(flavour.new_proposal).parameters.values())
    for name in ("evaluate", "submit_async", "submit"):
        assert list(inspect.signature(getattr(flavour, name)).parameters.values()) == expected, name
