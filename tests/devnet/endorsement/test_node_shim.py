"""The official Node chaincode shim (fabric-shim 2.5.8) against the endorser: range/pagination/history,
events, chaincode-to-chaincode calls and key-level endorsement policies, validated by D1's validator."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest
from fabric_protos.peer import chaincode_event_pb2, transaction_pb2

from devnet.endorsement.support import (
    NODE_CC,
    commit,
    deployed_chaincode,
    endorse,
    endorse_and_commit,
    peers_for,
    peers_with_chaincode,
    user,
)
from devnet.endorsement.test_endorser import action_of, ns_rwset
from network.devnet.policy import from_string
from network.layout import NetworkLayout

pytestmark = pytest.mark.skipif(shutil.which("node") is None or not (NODE_CC / "node_modules").is_dir(),
                                reason="node and tests/devnet/endorsement/node_cc/node_modules are needed "
                                       "(npm ci in that folder)")

NODECC: dict[str, object] = {"name": "nodecc", "label": "nodecc_1", "node": True}
"""The Node test chaincode deployed as ``nodecc``."""


def test_node_shim_queries_events_and_cc2cc(layout: NetworkLayout, tmp_path: Path) -> None:
    async def body() -> None:
        async with peers_with_chaincode(layout, tmp_path, **NODECC) as (peers, client), \
                deployed_chaincode(layout, peers, name="nodecc2", label="nodecc2_1", node=True):
            for i in range(3):
                await endorse_and_commit(peers, client, "nodecc", "put", f"k{i}", f"v{i}")
            r = await endorse(peers[0], client, "nodecc", "range", "k0", "k9")
            assert json.loads(r.response.payload) == ["k0", "k1", "k2"]
            info = ns_rwset(r, "nodecc").range_queries_info[0]
            assert (info.start_key, info.end_key, info.itr_exhausted) == ("k0", "k9", True)
            r = await endorse(peers[0], client, "nodecc", "page", "k0", "k9", "2", "")
            assert json.loads(r.response.payload) == {"keys": ["k0", "k1"], "bookmark": "k2", "count": 2}
            # an event is carried in the endorsed ChaincodeAction with the peer-filled chaincode id and txid
            signed, txid = client.proposal("nodecc", "event", "made", "p1")
            r = (await peers[0].process(signed)).response
            event = chaincode_event_pb2.ChaincodeEvent.FromString(action_of(r).events)
            assert (event.chaincode_id, event.tx_id, event.event_name, event.payload) == ("nodecc", txid, "made",
                                                                                          b"p1")
            # chaincode-to-chaincode: the callee's read is recorded in the callee's namespace
            await endorse_and_commit(peers, client, "nodecc2", "put", "x", "from2")
            r = await endorse(peers[0], client, "nodecc", "call", "nodecc2", "get", "x")
            assert r.response.status == 200 and r.response.payload == b"called:from2"
            assert [rd.key for rd in ns_rwset(r, "nodecc2").reads] == ["x"]
            lc_reads = [rd.key for rd in ns_rwset(r, "_lifecycle").reads]
            assert lc_reads == ["namespaces/fields/nodecc/Sequence", "namespaces/fields/nodecc2/Sequence"]
            r = await endorse(peers[0], client, "nodecc", "history", "k1")
            assert [v for _, v, _ in json.loads(r.response.payload)] == ["v1"]

    asyncio.run(body())


def test_key_level_policy_in_interest_and_validation(layout: NetworkLayout, tmp_path: Path) -> None:
    async def body() -> None:
        peers = peers_for(layout, tmp_path)
        client = user(layout, "Org1MSP")
        only_org2 = from_string("OR('Org2MSP.member')").SerializeToString()
        async with deployed_chaincode(layout, peers, **NODECC):
            await endorse_and_commit(peers, client, "nodecc", "put", "guarded", "0")
            _, code = await endorse_and_commit(peers, client, "nodecc", "setvp", "guarded", only_org2.hex())
            assert code == 0
            r = await endorse(peers[0], client, "nodecc", "getvp", "guarded")
            assert bytes.fromhex(r.response.payload.decode()) == only_org2
            # a write to the guarded key: the interest names the key policy and disregards the cc policy
            signed, _ = client.proposal("nodecc", "put", "guarded", "1")
            outs = [await p.process(signed) for p in peers]
            call = outs[0].response.interest.chaincodes[0]
            assert call.name == "nodecc" and call.disregard_namespace_policy
            assert [k.SerializeToString() for k in call.key_policies] == [only_org2]
            # endorsed by Org1 only: the key-level policy (Org2) fails at validation
            env = client.envelope(signed, [outs[0].response])
            codes = await commit(peers, [env], [transaction_pb2.ENDORSEMENT_POLICY_FAILURE])
            assert codes == [transaction_pb2.ENDORSEMENT_POLICY_FAILURE]
            # endorsed by Org2 only: valid although the chaincode policy (MAJORITY) is not met
            signed, _ = client.proposal("nodecc", "put", "guarded", "2")
            out = await peers[1].process(signed)
            assert await commit(peers, [client.envelope(signed, [out.response])], [0]) == [0]
            assert peers[0].ledger.get_state("nodecc", "guarded").value == b"2"

    asyncio.run(body())


def test_mvcc_conflict_and_single_org_policy_failure(layout: NetworkLayout, tmp_path: Path) -> None:
    async def body() -> None:
        async with peers_with_chaincode(layout, tmp_path, **NODECC) as (peers, client):
            await endorse_and_commit(peers, client, "nodecc", "put", "m", "0")
            envs = []
            for value in ("1", "2"):
                signed, _ = client.proposal("nodecc", "put", "m", value)
                outs = [await p.process(signed) for p in peers]
                envs.append(client.envelope(signed, [o.response for o in outs]))
            # both read the Sequence key; put does not read "m" -> no conflict on "m"; add a reader
            signed, _ = client.proposal("nodecc", "get", "m")
            outs = [await p.process(signed) for p in peers]
            envs.append(client.envelope(signed, [o.response for o in outs]))
            codes = await commit(peers, envs, [0, 0, transaction_pb2.MVCC_READ_CONFLICT])
            assert codes == [0, 0, transaction_pb2.MVCC_READ_CONFLICT]
            signed, _ = client.proposal("nodecc", "put", "n", "1")
            out = await peers[0].process(signed)
            codes = await commit(peers, [client.envelope(signed, [out.response])],
                                 [transaction_pb2.ENDORSEMENT_POLICY_FAILURE])
            assert codes == [transaction_pb2.ENDORSEMENT_POLICY_FAILURE]

    asyncio.run(body())


def test_concurrent_transactions_share_one_stream(layout: NetworkLayout, tmp_path: Path) -> None:
    async def body() -> None:
        async with peers_with_chaincode(layout, tmp_path, **NODECC) as (peers, client):
            proposals = [client.proposal("nodecc", "put", f"c{i}", str(i))[0] for i in range(40)]
            outcomes = await asyncio.gather(*(peers[0].process(p) for p in proposals))
            assert [o.response.response.status for o in outcomes] == [200] * 40
            writes = [ns_rwset(o.response, "nodecc").writes[0] for o in outcomes]
            assert [(w.key, w.value) for w in writes] == [(f"c{i}", str(i).encode()) for i in range(40)]
            assert len(peers[0].runtime._streams) == 1

    asyncio.run(body())


def test_init_required_chaincode_must_be_initialised_once(layout: NetworkLayout, tmp_path: Path) -> None:
    async def body() -> None:
        async with peers_with_chaincode(layout, tmp_path, **NODECC, init_required=True) as (peers, client):
            r = await endorse(peers[0], client, "nodecc", "put", "a", "1")
            assert r.response.status == 500 and "must call as init first" in r.response.message
            outcomes, code = await endorse_and_commit(peers, client, "nodecc", "anything", is_init=True)
            assert code == 0 and outcomes[0].response.response.payload == b"init-ok"
            writes = ns_rwset(outcomes[0].response, "nodecc").writes
            assert [(w.key, w.value) for w in writes] == [("\x00\U0010ffffinitialized", b"1.0")]
            assert (await endorse(peers[0], client, "nodecc", "put", "a", "1")).response.status == 200
            r = await endorse(peers[0], client, "nodecc", "x", is_init=True)
            assert r.response.status == 500 and "already initialized" in r.response.message

    asyncio.run(body())
