"""The peer's chaincode-stream transport (grpclib) against a C-core gRPC chaincode server, as Fabric dials one.

The server is the official Python shim's ``ChaincodeService`` on ``grpc.aio`` with TLS, so the handshake
crosses two independent HTTP/2 and TLS stacks: ALPN, server name checks, client certificates.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from cryptography.hazmat.primitives import serialization
from fabric_chaincode_python.fabric_shim.server import ChaincodeService
from fabric_protos.peer import chaincode_shim_pb2_grpc

from devnet.endorsement.testcc import TestChaincode
from network.crypto import certs
from network.devnet.chaincode.connection import ConnectionInfo
from network.devnet.chaincode.stream import ChaincodeStream, ChaincodeStreamError
from network.devnet.chaincode.transport import split_address

PKG = "testcc:" + "cd" * 32


def pem(cert: Any) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="module")
def tls() -> dict[str, bytes]:
    """A TLS CA, a server certificate for 127.0.0.1 and cc.example, a client certificate, and a foreign CA."""
    ca = certs.new_ca("tlsca.example", "example")
    server_cert, server_key = certs.issue_leaf(ca, "cc.example", unit=None, tls=True, hosts=["cc.example", "127.0.0.1"])
    client_cert, client_key = certs.issue_leaf(ca, "peer0.example", unit=None, tls=True, hosts=["peer0.example"])
    other = certs.new_ca("tlsca.other", "other")
    return {"ca": pem(ca.certificate), "server_cert": pem(server_cert), "server_key": certs.private_key_pem(server_key),
            "client_cert": pem(client_cert), "client_key": certs.private_key_pem(client_key),
            "other_ca": pem(other.certificate)}


@contextlib.asynccontextmanager
async def shim_server(tls: dict[str, bytes], client_auth: bool) -> AsyncIterator[int]:
    server = grpc.aio.server()
    chaincode_shim_pb2_grpc.add_ChaincodeServicer_to_server(ChaincodeService(PKG, TestChaincode()), server)
    credentials = grpc.ssl_server_credentials([(tls["server_key"], tls["server_cert"])],
                                              tls["ca"] if client_auth else None, client_auth)
    port = server.add_secure_port("127.0.0.1:0", credentials)
    await server.start()
    try:
        yield port
    finally:
        await server.stop(0)


async def connected(info: ConnectionInfo) -> ChaincodeStream:
    stream = ChaincodeStream(PKG, info)
    await asyncio.wait_for(stream.connect(), 20)
    return stream


def test_tls_with_client_certificate_completes_the_handshake(tls: dict[str, bytes]) -> None:
    async def scenario() -> bool:
        async with shim_server(tls, client_auth=True) as port:
            info = ConnectionInfo(address=f"127.0.0.1:{port}", tls_required=True, client_auth_required=True,
                                  root_cert=tls["ca"], client_cert=tls["client_cert"], client_key=tls["client_key"])
            stream = await connected(info)
            ready = not stream.closed
            await stream.close()
            return ready

    assert asyncio.run(scenario())


def test_domain_overrides_the_server_name_with_client_auth(tls: dict[str, bytes]) -> None:
    async def scenario() -> None:
        async with shim_server(tls, client_auth=True) as port:
            info = ConnectionInfo(address=f"localhost:{port}", tls_required=True, client_auth_required=True,
                                  domain="cc.example", root_cert=tls["ca"], client_cert=tls["client_cert"],
                                  client_key=tls["client_key"])
            await (await connected(info)).close()

    asyncio.run(scenario())


def test_server_signed_by_another_ca_is_refused_at_once(tls: dict[str, bytes]) -> None:
    async def scenario() -> float:
        async with shim_server(tls, client_auth=False) as port:
            info = ConnectionInfo(address=f"127.0.0.1:{port}", dial_timeout=10, tls_required=True,
                                  root_cert=tls["other_ca"])
            started = time.monotonic()
            with pytest.raises(ChaincodeStreamError, match="CERTIFICATE_VERIFY_FAILED"):
                await connected(info)
            return time.monotonic() - started

    assert asyncio.run(scenario()) < 5  # a TLS refusal is final: no retrying until dial_timeout


def test_missing_client_certificate_fails_the_connection(tls: dict[str, bytes]) -> None:
    async def scenario() -> None:
        async with shim_server(tls, client_auth=True) as port:
            info = ConnectionInfo(address=f"127.0.0.1:{port}", dial_timeout=2, tls_required=True, root_cert=tls["ca"])
            with pytest.raises(ChaincodeStreamError):
                await connected(info)

    asyncio.run(scenario())


def test_nothing_listening_times_out_after_dial_timeout() -> None:
    async def scenario() -> float:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]  # bound, never listening: every connect is refused
            started = time.monotonic()
            with pytest.raises(ChaincodeStreamError, match="dial timed out"):
                await connected(ConnectionInfo(address=f"127.0.0.1:{port}", dial_timeout=0.6))
            return time.monotonic() - started

    assert 0.4 < asyncio.run(scenario()) < 5


@pytest.mark.parametrize(("address", "expected"), [("127.0.0.1:7052", ("127.0.0.1", 7052)),
                                                   ("[::1]:9999", ("::1", 9999)),
                                                   ("cc.example:80", ("cc.example", 80))])
def test_split_address(address: str, expected: tuple[str, int]) -> None:
    assert split_address(address) == expected


@pytest.mark.parametrize("address", ["nocolon", "host:", "host:port"])
def test_bad_address_names_the_field(address: str) -> None:
    with pytest.raises(ValueError, match="address: expected host:port"):
        split_address(address)
