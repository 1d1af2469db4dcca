"""Our CCaaS server over real gRPC, driven like a peer: the two shim defects must be worked around."""

from __future__ import annotations

import asyncio
import json

import pytest
from cc_helpers import fungible, item, nonfungible
from ccaas_peer import FakePeer
from fabric_chaincode_python.fabric_shim import handler as stock_handler
from fabric_protos.peer import chaincode_shim_pb2 as shim
from fabric_protos.peer import proposal_response_pb2

from chaincode.assetregistry.endorsement import policy_orgs
from chaincode.server import configure_logging, new_chaincode
from chaincode.shimfix import server as shimfix_server
from chaincode.shimfix.server import build_server

PACKAGE_ID = "assetregistry_1.0:" + "ab" * 32


async def _with_server(scenario, handler_cls=None):  # type: ignore[no-untyped-def]
    configure_logging("WARNING")
    server, port = build_server(new_chaincode(), PACKAGE_ID, "127.0.0.1:0")
    if handler_cls is not None:
        original = shimfix_server.FixedHandler
        shimfix_server.FixedHandler = handler_cls
    await server.start()
    peer = FakePeer()
    try:
        await asyncio.wait_for(peer.connect(port), timeout=30)
        return await asyncio.wait_for(scenario(peer), timeout=60)
    finally:
        if handler_cls is not None:
            shimfix_server.FixedHandler = original
        await peer.close()
        await server.stop(0)


def response_of(message: shim.ChaincodeMessage) -> proposal_response_pb2.Response:
    return proposal_response_pb2.Response.FromString(message.payload)


def test_completed_carries_chaincode_event(people) -> None:
    async def scenario(peer: FakePeer) -> shim.ChaincodeMessage:
        return await peer.invoke(people.issuer1, ["RegisterClass", fungible("EVT")])

    done = asyncio.run(_with_server(scenario))
    assert done.type == shim.ChaincodeMessage.COMPLETED
    assert response_of(done).status == 200
    assert done.chaincode_event.event_name == "ClassRegistered"
    assert json.loads(done.chaincode_event.payload)["data"]["class"]["id"] == "EVT"


def test_stock_shim_handler_drops_the_event(people) -> None:
    """Documents defect 1: with the shim's own handler the same transaction's COMPLETED has no event."""

    async def scenario(peer: FakePeer) -> shim.ChaincodeMessage:
        return await peer.invoke(people.issuer1, ["RegisterClass", fungible("EVT")])

    done = asyncio.run(_with_server(scenario, handler_cls=stock_handler.Handler))
    assert response_of(done).status == 200
    assert not done.HasField("chaincode_event")


def test_fifty_concurrent_transactions_on_one_stream_all_complete(people) -> None:
    async def scenario(peer: FakePeer) -> list[shim.ChaincodeMessage]:
        calls = [peer.invoke(people.issuer1, ["RegisterClass", fungible(f"C{i}")]) for i in range(50)]
        return await asyncio.wait_for(asyncio.gather(*calls), timeout=60)

    results = asyncio.run(_with_server(scenario))
    assert len(results) == 50
    assert all(r.type == shim.ChaincodeMessage.COMPLETED and response_of(r).status == 200 for r in results)
    names = sorted(json.loads(r.chaincode_event.payload)["data"]["class"]["id"] for r in results)
    assert names == sorted(f"C{i}" for i in range(50))


def test_key_level_policy_sent_as_state_metadata_and_errors_are_json(people) -> None:
    async def scenario(peer: FakePeer) -> tuple[FakePeer, shim.ChaincodeMessage]:
        await peer.invoke(people.issuer1, ["RegisterClass", nonfungible("PAT")])
        minted = await peer.invoke(people.issuer1, ["MintItem", "PAT", people.bob.account(), item("p1"), ""])
        assert response_of(minted).status == 200
        refused = await peer.invoke(people.bob, ["RegisterClass", nonfungible("X")])
        return peer, refused

    peer, refused = asyncio.run(_with_server(scenario))
    (key, metakey, value), = peer.metadata_writes
    assert metakey == "VALIDATION_PARAMETER" and "ITEM" in key
    assert policy_orgs(value) == ["Org2MSP"]
    assert response_of(refused).status == 500
    assert json.loads(response_of(refused).message)["code"] == "UNAUTHORIZED"
    assert not refused.HasField("chaincode_event")


def test_registers_with_the_package_id(people) -> None:
    async def scenario(peer: FakePeer) -> str:
        return peer.registered_as

    assert asyncio.run(_with_server(scenario)) == PACKAGE_ID


@pytest.mark.parametrize("missing", ["CHAINCODE_ID", "CHAINCODE_SERVER_ADDRESS"])
def test_missing_environment_is_a_clear_error(missing: str) -> None:
    env = {"CHAINCODE_ID": PACKAGE_ID, "CHAINCODE_SERVER_ADDRESS": "127.0.0.1:0"}
    del env[missing]
    with pytest.raises(ValueError, match=missing):
        build_server(new_chaincode(), env.get("CHAINCODE_ID", ""), env.get("CHAINCODE_SERVER_ADDRESS", ""))


def _tls_pair() -> tuple[bytes, bytes]:
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "chaincode.local")])
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC))
        .not_valid_after(datetime.datetime(2036, 1, 1, tzinfo=datetime.UTC))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                    x509.DNSName("chaincode.local")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


def test_tls_server_completes_a_transaction(people) -> None:
    key_pem, cert_pem = _tls_pair()

    async def scenario() -> shim.ChaincodeMessage:
        configure_logging("WARNING")
        server, port = build_server(new_chaincode(), PACKAGE_ID, "127.0.0.1:0", key=key_pem, cert=cert_pem)
        await server.start()
        peer = FakePeer()
        try:
            await asyncio.wait_for(peer.connect(port, root_cert=cert_pem, server_name="chaincode.local"), 30)
            return await asyncio.wait_for(peer.invoke(people.issuer1, ["RegisterClass", fungible("TLS")]), 30)
        finally:
            await peer.close()
            await server.stop(0)

    done = asyncio.run(scenario())
    assert response_of(done).status == 200 and done.chaincode_event.event_name == "ClassRegistered"


def test_real_shim_stub_runs_transfers_ranges_and_queries(people) -> None:
    """The rule code against the shim's own ChaincodeStub: deltas scanned, folded and deleted over gRPC."""
    alice, bob = people.alice.account(), people.bob.account()

    async def scenario(peer: FakePeer) -> list[dict]:  # type: ignore[type-arg]
        async def ok(who, *args: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
            done = await peer.invoke(who, list(args))
            response = response_of(done)
            assert response.status == 200, response.message
            return json.loads(response.payload)

        await ok(people.issuer1, "RegisterClass", fungible("SEC"))
        await ok(people.issuer1, "Mint", "SEC", alice, "100", "")
        await ok(people.issuer1, "Mint", "SEC", alice, "5", "")
        await ok(people.alice, "Transfer", "SEC", alice, bob, "30")
        return [await ok(people.bob, "GetBalance", "SEC", alice), await ok(people.bob, "GetBalance", "SEC", bob),
                await ok(people.bob, "GetHolders", "SEC", "1", ""),
                await ok(people.bob, "GetAssetHistory", "SEC", "")]

    alice_balance, bob_balance, page, history = asyncio.run(_with_server(scenario))
    assert alice_balance["balance"] == "75" and alice_balance["unfoldedDeltas"] == 0
    assert bob_balance["balance"] == "30" and bob_balance["unfoldedDeltas"] == 1
    assert len(page["holders"]) == 1 and page["bookmark"]
    assert history["history"][0]["value"]["id"] == "SEC"
