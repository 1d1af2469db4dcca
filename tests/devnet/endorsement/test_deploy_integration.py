"""``consortium deploy`` against real devnet processes (D2's orderer and peers), then a transaction through
the peer's Gateway gRPC service with TLS, committed by the orderer and validated by the peers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import grpc
import pytest
import yaml
from fabric_protos.gateway import gateway_pb2, gateway_pb2_grpc
from fabric_protos.peer import transaction_pb2

from gateway.client.commit import signed_commit_status_request
from gateway.client.identity import load_msp_identity
from gateway.client.proposal import build_signed_proposal
from network.crypto.bootstrap import generate
from network.devnet import deploy
from network.devnet.node import processes, supervisor
from network.devnet.node.grpcserver import client_channel
from network.layout import NetworkLayout
from network.spec.freeports import spec_on_free_ports

ROOT = Path(__file__).parents[3]


def network(root: Path) -> NetworkLayout:
    data = yaml.safe_load((ROOT / "network" / "consortium.yaml").read_text())
    data["member_orgs"] = data["member_orgs"][:2]
    data["channels"] = [{"name": "dch", "orgs": ["Org1MSP", "Org2MSP"],
                         "batch": {"max_message_count": 10, "timeout": "200ms"}}]
    generate(spec_on_free_ports(data, "test"), root)
    return NetworkLayout(root)


async def invoke(layout: NetworkLayout) -> tuple[int, bytes]:
    org, peer = next(iter(layout.spec.peers()))
    identity, signer = load_msp_identity(layout.user_msp_dir(org.msp_id, "User1"), org.msp_id)
    async with client_channel(f"127.0.0.1:{peer.port}", layout.tlsca_cert(org.msp_id).read_bytes(),
                              f"{peer.name}.{org.domain}") as ch:
        stub = gateway_pb2_grpc.GatewayStub(ch)
        signed, txid = build_signed_proposal(identity, signer, "dch", "tcc", ["put", "k", "v1"])
        endorsed = await stub.Endorse(gateway_pb2.EndorseRequest(transaction_id=txid, channel_id="dch",
                                                                  proposed_transaction=signed), timeout=60)
        env = endorsed.prepared_transaction
        env.signature = signer(env.payload)
        await stub.Submit(gateway_pb2.SubmitRequest(transaction_id=txid, channel_id="dch", prepared_transaction=env),
                          timeout=60)
        status = await stub.CommitStatus(signed_commit_status_request(identity, signer, "dch", txid), timeout=60)
        # an envelope signed by someone else than its creator: the orderer answers FORBIDDEN -> ABORTED
        signed, txid = build_signed_proposal(identity, signer, "dch", "tcc", ["put", "k", "v2"])
        endorsed = await stub.Endorse(gateway_pb2.EndorseRequest(proposed_transaction=signed), timeout=60)
        env = endorsed.prepared_transaction
        env.signature = signer(b"not the payload")
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await stub.Submit(gateway_pb2.SubmitRequest(transaction_id=txid, channel_id="dch",
                                                        prepared_transaction=env), timeout=60)
        assert info.value.code() == grpc.StatusCode.ABORTED, info.value
        assert "FORBIDDEN" in info.value.details()
        signed, txid = build_signed_proposal(identity, signer, "dch", "tcc", ["get", "k"])
        result = await stub.Evaluate(gateway_pb2.EvaluateRequest(transaction_id=txid, channel_id="dch",
                                                                 proposed_transaction=signed), timeout=60)
        return status.result, result.result.payload


@pytest.mark.integration
def test_deploy_is_idempotent_and_chaincode_transacts(tmp_path: Path) -> None:
    layout = network(tmp_path / "net")
    proc = deploy.chaincode_process(layout, "tcc", "tests.devnet.endorsement.ccmain")
    try:
        supervisor.up(layout.root, timeout=90)
        first = deploy.deploy(layout, "tcc", module="tests.devnet.endorsement.ccmain")
        assert first.sequence == 1 and first.changed
        again = deploy.deploy(layout, "tcc", module="tests.devnet.endorsement.ccmain")
        assert again.sequence == 1 and not again.changed
        code, value = asyncio.run(invoke(layout))
        assert (code, value) == (transaction_pb2.VALID, b"v1")
        upgraded = deploy.deploy(layout, "tcc", version="2.0", module="tests.devnet.endorsement.ccmain")
        assert upgraded.sequence == 2 and upgraded.package_id != first.package_id
        code, value = asyncio.run(invoke(layout))
        assert code == transaction_pb2.VALID

        listed = {s.host: s for s in supervisor.status(layout.root)}
        server = listed[proc.host]
        assert (server.kind, server.healthy) == ("chaincode", True)
        assert server.pid == processes.running_pid(proc)
        supervisor.down(layout.root)
        assert processes.running_pid(proc) is None
        assert not proc.pid_file.exists()
        assert proc.host not in {s.host for s in supervisor.status(layout.root)}
    finally:
        supervisor.down(layout.root)


@pytest.mark.integration
def test_consortium_deploy_cli_with_the_asset_registry_chaincode(tmp_path: Path) -> None:
    """The default ``consortium deploy`` path: the project's chaincode (``python -m chaincode``)."""
    import json

    from network.cli import main

    layout = network(tmp_path / "net")
    try:
        supervisor.up(layout.root, timeout=90)
        assert main(["deploy", "--netdir", str(layout.root)]) == 0
        org, peer = next(iter(layout.spec.peers()))

        async def who_am_i() -> bytes:
            identity, signer = load_msp_identity(layout.user_msp_dir(org.msp_id, "User1"), org.msp_id)
            async with client_channel(f"127.0.0.1:{peer.port}", layout.tlsca_cert(org.msp_id).read_bytes(),
                                      f"{peer.name}.{org.domain}") as ch:
                signed, txid = build_signed_proposal(identity, signer, "dch", "assetregistry", ["WhoAmI"])
                result = await gateway_pb2_grpc.GatewayStub(ch).Evaluate(
                    gateway_pb2.EvaluateRequest(transaction_id=txid, channel_id="dch", proposed_transaction=signed),
                    timeout=60)
                return result.result.payload

        assert json.loads(asyncio.run(who_am_i()))["msp"] == "Org1MSP"
    finally:
        supervisor.down(layout.root)  # the chaincode server too
