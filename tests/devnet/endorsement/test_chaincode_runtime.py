"""The CCaaS client against the official Python shim: handshake, requests, rwset contents."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

import grpc
import pytest
from fabric_protos.ledger.rwset.kvrwset import kv_rwset_pb2
from fabric_protos.peer import chaincode_pb2, chaincode_shim_pb2, chaincode_shim_pb2_grpc, proposal_pb2

from devnet.endorsement.memstate import MemState
from devnet.endorsement.rawcc import ProbeChaincode, SilentChaincode
from devnet.endorsement.testcc import start_server
from network.devnet.chaincode.connection import ConnectionInfo, ConnectionInfoError, parse_connection_json
from network.devnet.chaincode.handler import TransactionContext
from network.devnet.chaincode.runtime import ChaincodeRuntime, ExecutionError
from network.devnet.chaincode.simulator import TxSimulator

PKG = "testcc:" + "ab" * 32


def kvrwset(sim: TxSimulator, ns: str = "cc") -> kv_rwset_pb2.KVRWSet:
    for ns_rwset in sim.results().ns_rwset:
        if ns_rwset.namespace == ns:
            return kv_rwset_pb2.KVRWSet.FromString(ns_rwset.rwset)
    return kv_rwset_pb2.KVRWSet()


def block1_state(keys: list[str]) -> MemState:
    """Committed state of namespace ``cc`` holding ``keys`` (value ``v``), key i written by tx i of block 1."""
    state = MemState()
    for i, key in enumerate(keys):
        state.put("cc", key, b"v", 1, i)
    return state


class Harness:
    def __init__(self, state: MemState, port: int) -> None:
        self.state = state
        self.runtime = ChaincodeRuntime(lambda pid: ConnectionInfo(address=f"127.0.0.1:{port}"),
                                        execute_timeout=10)
        self.n = 0

    async def run(self, *args: str, sim: TxSimulator | None = None):
        self.n += 1
        txid = f"tx{self.n}"
        sim = sim or TxSimulator(self.state, txid)
        ctx = TransactionContext(channel_id="ch", txid=txid, namespace="cc", simulator=sim,
                                 signed_proposal=proposal_pb2.SignedProposal(), invoke=self.invoke)
        ex = await self.runtime.execute(PKG, ctx, chaincode_pb2.ChaincodeInput(args=[a.encode() for a in args]))
        return ex, sim

    async def invoke(self, name: str, channel: str, cc_input: chaincode_pb2.ChaincodeInput):
        raise AssertionError("not used")


@contextlib.asynccontextmanager
async def harness(state: MemState) -> AsyncIterator[Harness]:
    server, port = await start_server(PKG)
    h = Harness(state, port)
    try:
        yield h
    finally:
        await h.runtime.close()
        await server.stop(0)


@contextlib.asynccontextmanager
async def raw_chaincode(servicer: chaincode_shim_pb2_grpc.ChaincodeServicer,
                        execute_timeout: float) -> AsyncIterator[ChaincodeRuntime]:
    """A runtime dialling ``servicer`` (a hand-written shim peer end) served on a free loopback port."""
    server = grpc.aio.server()
    chaincode_shim_pb2_grpc.add_ChaincodeServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    runtime = ChaincodeRuntime(lambda pid: ConnectionInfo(address=f"127.0.0.1:{port}"), execute_timeout=execute_timeout)
    try:
        yield runtime
    finally:
        await runtime.close()
        await server.stop(0)


def run(coro):
    return asyncio.run(coro)


def test_parse_connection_json_fields_and_errors() -> None:
    info = parse_connection_json(b'{"address": "127.0.0.1:9999", "dial_timeout": "1m30s", "domain": "cc.example"}')
    assert info.address == "127.0.0.1:9999" and info.dial_timeout == 90.0
    assert info.server_name_override == ""  # domain is used only with client auth (Fabric quirk)
    with pytest.raises(ConnectionInfoError, match="address"):
        parse_connection_json(b'{"dial_timeout": "3s"}')
    with pytest.raises(ConnectionInfoError, match="root_cert"):
        parse_connection_json(b'{"address": "a:1", "tls_required": true}')
    with pytest.raises(ConnectionInfoError, match="dial_timeout"):
        parse_connection_json(b'{"address": "a:1", "dial_timeout": "soon"}')


def test_put_get_records_committed_version_not_own_write() -> None:
    async def body() -> None:
        state = MemState()
        state.put("cc", "a", b"old", 3, 1)
        async with harness(state) as h:
            ex, sim = await h.run("putget", "a", "new")
            assert ex.response.status == 200
            assert ex.response.payload == b"old"  # reads do not see own writes
            rw = kvrwset(sim)
            assert [(r.key, r.version.block_num, r.version.tx_num) for r in rw.reads] == [("a", 3, 1)]
            assert [(w.key, w.value, w.is_delete) for w in rw.writes] == [("a", b"new", False)]
            ex, sim = await h.run("get", "missing")
            assert kvrwset(sim).reads[0].HasField("version") is False
            ex, sim = await h.run("del", "a")
            assert kvrwset(sim).writes[0].is_delete is True

    run(body())


def test_range_query_batches_over_100_and_records_merkle_info() -> None:
    async def body() -> None:
        async with harness(block1_state([f"k{i:03d}" for i in range(130)])) as h:
            ex, sim = await h.run("range", "k000", "k999")
            assert json.loads(ex.response.payload) == [f"k{i:03d}" for i in range(130)]
            info = kvrwset(sim).range_queries_info[0]
            assert (info.start_key, info.end_key, info.itr_exhausted) == ("k000", "k999", True)
            assert info.HasField("reads_merkle_hashes")  # > 50 reads are hashed
            ex, sim = await h.run("range", "k000", "k010")
            info = kvrwset(sim).range_queries_info[0]
            assert [r.key for r in info.raw_reads.kv_reads] == [f"k{i:03d}" for i in range(10)]

    run(body())


def test_pagination_bookmark_and_no_write_after_paginated_query() -> None:
    async def body() -> None:
        state = block1_state([f"k{i}" for i in range(5)])
        async with harness(state) as h:
            ex, _ = await h.run("page", "k0", "k9", "2", "")
            assert json.loads(ex.response.payload) == {"keys": ["k0", "k1"], "bookmark": "k2", "count": 2}
            ex, _ = await h.run("page", "k0", "k9", "2", "k4")
            assert json.loads(ex.response.payload) == {"keys": ["k4"], "bookmark": "", "count": 1}
            sim = TxSimulator(state, "x")
            sim.range_scan("cc", "", "", page_size=1)
            with pytest.raises(Exception, match="paginated"):
                sim.set_state("cc", "k", b"v")

    run(body())


def test_history_and_state_metadata() -> None:
    async def body() -> None:
        state = MemState()
        state.put("cc", "a", b"1", 1, 0, txid="t1")
        state.put("cc", "a", b"2", 2, 0, txid="t2", metadata={"VALIDATION_PARAMETER": b"\x01"})
        async with harness(state) as h:
            ex, _ = await h.run("history", "a")
            assert json.loads(ex.response.payload) == [["t2", "2", False], ["t1", "1", False]]
            ex, sim = await h.run("getmeta", "a")
            assert json.loads(ex.response.payload) == {"VALIDATION_PARAMETER": "01"}
            assert kvrwset(sim).reads[0].version.block_num == 2
            ex, sim = await h.run("putmeta", "a", "VALIDATION_PARAMETER", "0a0b")
            mw = kvrwset(sim).metadata_writes[0]
            assert (mw.key, [(e.name, e.value) for e in mw.entries]) == ("a", [("VALIDATION_PARAMETER", b"\x0a\x0b")])

    run(body())


def test_error_response_and_unknown_server() -> None:
    async def body() -> None:
        runtime = ChaincodeRuntime(lambda pid: ConnectionInfo(address="127.0.0.1:1", dial_timeout=0.5))
        ctx = TransactionContext("ch", "t", "cc", TxSimulator(MemState(), "t"), proposal_pb2.SignedProposal())
        with pytest.raises(ExecutionError, match="could not launch"):
            await runtime.execute(PKG, ctx, chaincode_pb2.ChaincodeInput(args=[b"get", b"a"]))

    run(body())


def test_chaincode_error_status_is_returned() -> None:
    async def body() -> None:
        async with harness(MemState()) as h:
            ex, _ = await h.run("fail", "boom")
            assert ex.response.status == 500 and ex.response.message == "boom"

    run(body())


def test_registration_with_wrong_package_id_is_refused() -> None:
    async def body() -> None:
        server, port = await start_server("other:" + "cd" * 32)
        runtime = ChaincodeRuntime(lambda pid: ConnectionInfo(address=f"127.0.0.1:{port}"))
        ctx = TransactionContext("ch", "t", "cc", TxSimulator(MemState(), "t"), proposal_pb2.SignedProposal())
        with pytest.raises(ExecutionError, match="expected package id"):
            await runtime.execute(PKG, ctx, chaincode_pb2.ChaincodeInput(args=[b"get", b"a"]))
        await server.stop(0)

    run(body())


def test_check_init_rules() -> None:
    from network.devnet.chaincode.runtime import check_init

    Msg = chaincode_shim_pb2.ChaincodeMessage
    assert check_init(False, None, "1", True) == Msg.TRANSACTION  # init flag ignored without init_required
    assert check_init(True, None, "1", True) == Msg.INIT
    assert check_init(True, b"1", "1", False) == Msg.TRANSACTION
    with pytest.raises(ExecutionError, match="must call as init first"):
        check_init(True, None, "1", False)
    with pytest.raises(ExecutionError, match="already initialized"):
        check_init(True, b"1", "1", True)
    assert check_init(True, b"1", "2", True) == Msg.INIT  # a new version needs init again


def test_execute_timeout_fails_the_transaction() -> None:
    async def body() -> None:
        ctx = TransactionContext("ch", "t", "cc", TxSimulator(MemState(), "t"), proposal_pb2.SignedProposal())
        async with raw_chaincode(SilentChaincode(PKG), execute_timeout=0.5) as runtime:
            with pytest.raises(ExecutionError, match="timeout expired"):
                await runtime.execute(PKG, ctx, chaincode_pb2.ChaincodeInput(args=[b"get", b"a"]))

    run(body())


@pytest.mark.parametrize("client_auth", [False, True])
def test_tls_connection_with_and_without_client_auth(layout, client_auth: bool) -> None:
    from fabric_chaincode_python.fabric_shim.server import ChaincodeService

    from devnet.endorsement.testcc import TestChaincode
    from network.layout import NetworkLayout

    tls = NetworkLayout.node_tls(layout.peer_dir("Org1MSP", "peer0"))
    root = layout.tlsca_cert("Org1MSP").read_bytes()

    async def body() -> None:
        server = grpc.aio.server()
        chaincode_shim_pb2_grpc.add_ChaincodeServicer_to_server(ChaincodeService(PKG, TestChaincode()), server)
        creds = grpc.ssl_server_credentials([(tls.key.read_bytes(), tls.cert.read_bytes())],
                                            root_certificates=root if client_auth else None,
                                            require_client_auth=client_auth)
        port = server.add_secure_port("127.0.0.1:0", creds)
        await server.start()
        conn = {"address": f"127.0.0.1:{port}", "tls_required": True, "root_cert": root.decode()}
        if client_auth:
            conn.update(client_auth_required=True, domain="peer0.org1.example.com",
                        client_cert=tls.cert.read_text(), client_key=tls.key.read_text())
        info = parse_connection_json(json.dumps(conn).encode())
        runtime = ChaincodeRuntime(lambda pid: info, execute_timeout=10)
        state = MemState()
        state.put("cc", "a", b"secret", 1, 0)
        ctx = TransactionContext("ch", "t", "cc", TxSimulator(state, "t"), proposal_pb2.SignedProposal())
        try:
            ex = await runtime.execute(PKG, ctx, chaincode_pb2.ChaincodeInput(args=[b"get", b"a"]))
            assert ex.response.payload == b"secret"
        finally:
            await runtime.close()
            await server.stop(0)

    run(body())


def test_request_outside_a_running_transaction_gets_an_error() -> None:
    async def body() -> None:
        ctx = TransactionContext("ch", "t1", "cc", TxSimulator(MemState(), "t1"), proposal_pb2.SignedProposal())
        async with raw_chaincode(ProbeChaincode(PKG), execute_timeout=5) as runtime:
            ex = await runtime.execute(PKG, ctx, chaincode_pb2.ChaincodeInput(args=[b"x"]))
            assert ex.response.payload == b"ERROR:GET_STATE failed: transaction ID: bogus: no ledger context"

    run(body())
