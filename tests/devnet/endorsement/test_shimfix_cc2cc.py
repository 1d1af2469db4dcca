"""Chaincode-to-chaincode calls from a chaincode on the official Python shim, with ``chaincode.shimfix``'s
``invoke_chaincode``, against the devnet endorser (which parses INVOKE_CHAINCODE as Fabric's
``HandleInvokeChaincode`` does). The callee is the test chaincode on the unmodified shim."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import grpc
from fabric_chaincode_python.fabric_shim.interfaces import Chaincode
from fabric_chaincode_python.fabric_shim.response import error, success

from chaincode.shimfix import build_server
from devnet.endorsement.support import deployed_chaincode, endorse_and_commit, peers_with_chaincode
from network.layout import NetworkLayout


class Relay(Chaincode):
    """``relay <callee> <fn> <args...>``: calls the callee in the same transaction and wraps its answer."""

    async def init(self, stub: Any) -> Any:
        return success(b"")

    async def invoke(self, stub: Any) -> Any:
        _, args = stub.get_function_and_parameters()
        response = await stub.invoke_chaincode(args[0], args[1:])
        if response.status >= 400:
            return error(f"callee answered {response.status}: {response.message}")
        return success(b"relayed:" + response.payload)


async def serve_relay(package_id: str, port: int) -> grpc.aio.Server:
    server, _ = build_server(Relay(), package_id, f"127.0.0.1:{port}")
    await server.start()
    return server


def test_shimfix_invoke_chaincode_reaches_the_callee_and_reports_its_failure(
    layout: NetworkLayout, tmp_path: Path
) -> None:
    async def body() -> None:
        async with peers_with_chaincode(layout, tmp_path) as (peers, client), \
                deployed_chaincode(layout, peers, name="relay", label="relay_1", serve=serve_relay):
            await endorse_and_commit(peers, client, "testcc", "put", "k", "v1")
            signed, _ = client.proposal("relay", "relay", "testcc", "get", "k")
            answer = (await peers[0].process(signed)).response.response
            assert (answer.status, answer.payload) == (200, b"relayed:v1")

            # a write through the callee is part of the caller's transaction
            outcomes, code = await endorse_and_commit(peers, client, "relay", "relay", "testcc", "put", "k", "v2")
            assert code == 0 and outcomes[0].response.response.payload == b"relayed:"
            signed, _ = client.proposal("testcc", "get", "k")
            assert (await peers[1].process(signed)).response.response.payload == b"v2"

            signed, _ = client.proposal("relay", "relay", "testcc", "fail", "boom")
            refused = (await peers[0].process(signed)).response.response
            assert refused.status == 500 and refused.message == "callee answered 500: boom"

    asyncio.run(body())
