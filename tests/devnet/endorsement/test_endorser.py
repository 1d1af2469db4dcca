"""ProcessProposal end to end in-process: lifecycle deploy, simulation, responses, negative checks."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path

import pytest
from fabric_protos.ledger.rwset import rwset_pb2
from fabric_protos.ledger.rwset.kvrwset import kv_rwset_pb2
from fabric_protos.peer import proposal_pb2, proposal_response_pb2

from devnet.endorsement.support import (
    InProcessPeer,
    admin,
    commit_proposal,
    deployed_chaincode,
    endorse,
    endorse_and_commit,
    peers_for,
    peers_with_chaincode,
    user,
)
from network.devnet.endorser.proposal import unpack_proposal
from network.layout import NetworkLayout


def action_of(resp: proposal_response_pb2.ProposalResponse) -> proposal_pb2.ChaincodeAction:
    prp = proposal_response_pb2.ProposalResponsePayload.FromString(resp.payload)
    return proposal_pb2.ChaincodeAction.FromString(prp.extension)


def ns_rwset(resp: proposal_response_pb2.ProposalResponse, ns: str) -> kv_rwset_pb2.KVRWSet | None:
    for n in rwset_pb2.TxReadWriteSet.FromString(action_of(resp).results).ns_rwset:
        if n.namespace == ns:
            return kv_rwset_pb2.KVRWSet.FromString(n.rwset)
    return None


def test_deploy_invoke_query_and_response_shape(layout: NetworkLayout, tmp_path: Path) -> None:
    async def body() -> None:
        async with peers_with_chaincode(layout, tmp_path) as (peers, client):
            outcomes, code = await endorse_and_commit(peers, client, "testcc", "put", "a", "1")
            assert code == 0
            resp = outcomes[0].response
            assert resp.version == 1 and resp.endorsement.endorser == peers[0].identity.serialize()
            assert peers[0].identity.certificate() is not None
            action = action_of(resp)
            assert (action.chaincode_id.name, action.chaincode_id.version) == ("testcc", "1.0")
            signed, _ = client.proposal("testcc", "get", "a")
            prp = proposal_response_pb2.ProposalResponsePayload.FromString(resp.payload)
            assert len(prp.proposal_hash) == 32
            # lifecycle Sequence key is read so a redefinition invalidates the transaction
            lc = ns_rwset(resp, "_lifecycle")
            assert lc is not None and [r.key for r in lc.reads] == ["namespaces/fields/testcc/Sequence"]
            out = await peers[1].process(signed)
            assert out.response.response.payload == b"1"
            assert ns_rwset(out.response, "testcc").reads[0].version.block_num == 3
            assert out.response.payload and unpack_proposal(signed).proposal_hash == \
                proposal_response_pb2.ProposalResponsePayload.FromString(out.response.payload).proposal_hash
            # byte-identical payloads from both orgs' peers
            assert outcomes[0].response.payload == outcomes[1].response.payload

    asyncio.run(body())


def test_status_rules_and_events(layout: NetworkLayout, tmp_path: Path) -> None:
    async def body() -> None:
        async with peers_with_chaincode(layout, tmp_path) as (peers, client):
            signed, _ = client.proposal("testcc", "fail", "nope")
            out = await peers[0].process(signed)
            assert out.grpc_error is None
            r = out.response
            assert r.response.status == 500 and r.payload and not r.HasField("endorsement")
            r = await endorse(peers[0], client, "testcc", "status", "404", "missing")
            assert r.response.status == 404 and not r.payload and not r.HasField("endorsement")
            r = await endorse(peers[0], client, "testcc", "status", "300", "redirect-ish")
            assert r.response.status == 300 and r.HasField("endorsement")
            r = await endorse(peers[0], client, "nocc", "x")
            assert r.response.status == 500 and "nocc" in r.response.message

    asyncio.run(body())


def test_cc2cc_invocation_shares_the_simulation(layout: NetworkLayout, tmp_path: Path) -> None:
    async def body() -> None:
        async with peers_with_chaincode(layout, tmp_path) as (peers, client):
            await endorse_and_commit(peers, client, "testcc", "put", "k", "v")
            r = await endorse(peers[0], client, "testcc", "call", "testcc", "get", "k")
            # same chaincode on the same stream with the same txid: Fabric refuses the nested context
            assert r.response.status == 500 and "exists" in r.response.message

    asyncio.run(body())


def test_negative_checks(layout: NetworkLayout, tmp_path: Path) -> None:
    async def body() -> None:
        peers = peers_for(layout, tmp_path)
        peer = peers[0]
        client = user(layout, "Org1MSP")
        # bad signature
        signed, _ = client.proposal("testcc", "get", "a")
        signed.signature = client.signer(b"something else")
        out = await peer.process(signed)
        assert out.grpc_error == "error validating proposal: access denied: channel [testchannel] creator org " \
                                 "[Org1MSP]"
        assert out.response.response.status == 500
        # unknown channel: status 500 and no gRPC error
        signed, _ = client.proposal("testcc", "get", "a", channel="nochannel")
        out = await peer.process(signed)
        assert out.grpc_error is None and out.response.response.message == "channel 'nochannel' not found"
        # stale timestamp
        old = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=20)
        signed, _ = client.proposal("testcc", "get", "a", timestamp=old)
        out = await peer.process(signed)
        assert out.grpc_error is not None and "incorrect timestamp" in out.grpc_error
        # expired creator: the peer's clock is moved past the certificate's NotAfter
        signed, _ = client.proposal("testcc", "get", "a")
        peer.endorser.now = lambda: client.identity.certificate().not_valid_after_utc + dt.timedelta(days=1)
        out = await peer.process(signed)
        assert out.grpc_error == "proposal client identity expired"
        peer.endorser.now = lambda: dt.datetime.now(dt.UTC)
        # a non-admin may not install
        from fabric_protos.peer.lifecycle import lifecycle_pb2 as lc

        from network.devnet.lifecycle.client import lifecycle_proposal
        signed, _ = lifecycle_proposal(client.identity, client.signer, "", "InstallChaincode",
                                       lc.InstallChaincodeArgs(chaincode_install_package=b"x").SerializeToString())
        out = await peer.process(signed)
        assert out.response.response.status == 500
        assert "Failed to authorize invocation due to failed ACL check" in out.response.response.message
        # tampered txid
        signed, _ = client.proposal("testcc", "get", "a", nonce=b"n" * 24)
        from fabric_protos.common import common_pb2
        from fabric_protos.peer import proposal_pb2
        prop = proposal_pb2.Proposal.FromString(signed.proposal_bytes)
        hdr = common_pb2.Header.FromString(prop.header)
        chdr = common_pb2.ChannelHeader.FromString(hdr.channel_header)
        chdr.tx_id = "00" * 32
        hdr.channel_header = chdr.SerializeToString()
        prop.header = hdr.SerializeToString()
        raw = prop.SerializeToString()
        signed.proposal_bytes, signed.signature = raw, client.signer(raw)
        out = await peer.process(signed)
        assert out.grpc_error is not None and "incorrectly computed txid" in out.grpc_error

    asyncio.run(body())


def test_non_member_and_replayed_txid(layout: NetworkLayout, tmp_path: Path) -> None:
    async def body() -> None:
        async with peers_with_chaincode(layout, tmp_path) as (peers, client):
            signed, _ = client.proposal("testcc", "put", "r", "1")
            await commit_proposal(peers, client, signed)
            out = await peers[0].process(signed)
            assert out.grpc_error is not None and out.grpc_error.startswith("duplicate transaction found [")
        # an identity from an org that is not in the channel (its MSP is unknown)
        stranger = admin(layout, "Org1MSP")
        from fabric_protos.msp import identities_pb2
        sid = identities_pb2.SerializedIdentity.FromString(stranger.identity.serialize())
        from gateway.client.identity import Identity
        foreign = type(stranger)(Identity("Org9MSP", bytes(sid.id_bytes)), stranger.signer)
        signed, _ = foreign.proposal("testcc", "get", "a")
        out = await peers[0].process(signed)
        assert out.grpc_error == "error validating proposal: access denied: channel [testchannel] creator org " \
                                 "[Org9MSP]"

    asyncio.run(body())


def test_history_and_json_range_via_endorser(layout: NetworkLayout, tmp_path: Path) -> None:
    async def body() -> None:
        async with peers_with_chaincode(layout, tmp_path) as (peers, client):
            await endorse_and_commit(peers, client, "testcc", "put", "h", "1")
            await endorse_and_commit(peers, client, "testcc", "put", "h", "2")
            r = await endorse(peers[0], client, "testcc", "history", "h")
            values = [v for _, v, _ in json.loads(r.response.payload)]
            assert values == ["2", "1"]

    asyncio.run(body())


@pytest.mark.parametrize("mspid", ["Org2MSP"])
def test_approval_requires_local_admin_of_the_peers_org(layout: NetworkLayout, tmp_path: Path, mspid: str) -> None:
    async def body() -> None:
        from fabric_protos.peer.lifecycle import lifecycle_pb2 as lc
        peer = InProcessPeer(layout, "Org1MSP", tmp_path / "p")
        other_admin = admin(layout, mspid)
        args = lc.ApproveChaincodeDefinitionForMyOrgArgs(name="x", version="1", sequence=1)
        r = await endorse(peer, other_admin, "_lifecycle", "ApproveChaincodeDefinitionForMyOrg",
                          args.SerializeToString())
        assert r.response.status == 500 and "ACL check" in r.response.message

    asyncio.run(body())


def test_qscc_and_cscc_queries(layout: NetworkLayout, tmp_path: Path) -> None:
    from fabric_protos.common import common_pb2, ledger_pb2
    from fabric_protos.peer import query_pb2, transaction_pb2

    from network.devnet.lifecycle.client import signed_system_proposal

    async def body() -> None:
        async with peers_with_chaincode(layout, tmp_path) as (peers, client):
            signed, txid = client.proposal("testcc", "put", "q", "1")
            await commit_proposal(peers, client, signed)

            async def qscc(*args: str) -> proposal_response_pb2.ProposalResponse:
                sp, _ = signed_system_proposal(client.identity, client.signer, "", "qscc",
                                               [a.encode() for a in args])
                return (await peers[0].process(sp)).response

            info = ledger_pb2.BlockchainInfo.FromString((await qscc("GetChainInfo", "testchannel")).response.payload)
            assert info.height == peers[0].ledger.height == 4
            r = await qscc("GetTransactionByID", "testchannel", txid)
            assert not r.HasField("endorsement")  # channel-less proposals are answered unendorsed
            assert transaction_pb2.ProcessedTransaction.FromString(r.response.payload).validationCode == 0
            block = common_pb2.Block.FromString((await qscc("GetBlockByTxID", "testchannel", txid)).response.payload)
            assert block.header.number == 3
            r = await qscc("GetBlockByNumber", "testchannel", "x")
            assert r.response.status == 500 and "Failed to parse block number" in r.response.message
            r = await qscc("GetChainInfo", "nochannel")
            assert r.response.message == "Invalid chain ID, nochannel"
            sp, _ = signed_system_proposal(client.identity, client.signer, "", "cscc", [b"GetChannels"])
            r = (await peers[0].process(sp)).response
            assert [c.channel_id for c in query_pb2.ChannelQueryResponse.FromString(r.response.payload).channels] \
                == ["testchannel"]

    asyncio.run(body())


def test_orderer_org_member_is_not_a_channel_writer(layout: NetworkLayout, tmp_path: Path) -> None:
    """The orderer org's MSP is part of the channel config, so its admin deserializes and validates - but it
    is not an application member, so ACL ``peer/Propose`` (Application Writers) refuses the proposal."""

    async def body() -> None:
        peer = InProcessPeer(layout, "Org1MSP", tmp_path / "p")
        outsider = admin(layout, "OrdererMSP")
        signed, _ = outsider.proposal("testcc", "get", "a")
        out = await peer.process(signed)
        assert out.grpc_error is not None
        assert "/Channel/Application/Writers" in out.grpc_error
        assert out.response.response.status == 500

    asyncio.run(body())


def test_query_installed_lists_references_of_committed_definitions(layout: NetworkLayout, tmp_path: Path) -> None:
    from fabric_protos.peer.lifecycle import lifecycle_pb2 as lc

    from network.devnet.lifecycle.client import lifecycle_proposal

    async def body() -> None:
        peers = peers_for(layout, tmp_path)
        adm = admin(layout, "Org1MSP")
        async with deployed_chaincode(layout, peers) as package_id:
            signed, _ = lifecycle_proposal(adm.identity, adm.signer, "", "QueryInstalledChaincodes",
                                           lc.QueryInstalledChaincodesArgs().SerializeToString())
            r = (await peers[0].process(signed)).response
            result = lc.QueryInstalledChaincodesResult.FromString(r.response.payload)
            [installed] = result.installed_chaincodes
            assert installed.package_id == package_id
            refs = installed.references["testchannel"].chaincodes
            assert [(c.name, c.version) for c in refs] == [("testcc", "1.0")]

    asyncio.run(body())
