"""The client, unchanged, against real devnet processes (orderer + two orgs' peers) over TLS.

Nothing is faked: D2's supervisor starts the nodes, ``consortium deploy`` installs two CCaaS test chaincodes
(``tests.devnet.endorsement``), and the client talks to a peer's Gateway and Deliver services exactly as it
would to a Fabric peer - only the gRPC channel's target differs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from fabric_protos.peer import transaction_pb2

from gateway.client import EndorseError, checkpointers, connect, ecdsa, load_msp_identity
from gateway.client.aio import connect_async
from gateway.client.identity import load_private_key
from gateway.client.tls import secure_channel


@pytest.fixture(scope="module")
def devnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    pytest.importorskip("network.devnet.deploy")
    from devnet.endorsement.test_deploy_integration import network

    from network.devnet import deploy
    from network.devnet.node import processes, supervisor

    layout = network(tmp_path_factory.mktemp("gwclient") / "net")
    supervisor.up(layout.root, timeout=90)
    procs = [
        deploy.chaincode_process(layout, "tcc", "tests.devnet.endorsement.ccmain"),
        deploy.chaincode_process(layout, "evcc", "tests.devnet.endorsement.evmain"),
    ]
    try:
        deploy.deploy(layout, "tcc", module="tests.devnet.endorsement.ccmain")
        deploy.deploy(layout, "evcc", module="tests.devnet.endorsement.evmain")
        yield layout
    finally:
        for proc in procs:
            processes.stop(proc)
        supervisor.down(layout.root)


def user_channel(layout) -> tuple[str, bytes, str]:  # noqa: ANN001 - NetworkLayout from devnet
    org, peer = next(iter(layout.spec.peers()))
    target = f"127.0.0.1:{peer.port}"
    return target, layout.tlsca_cert(org.msp_id).read_bytes(), f"{peer.name}.{org.domain}"


@pytest.mark.integration
def test_python_client_against_devnet(devnet, tmp_path: Path) -> None:
    layout = devnet
    org, _ = next(iter(layout.spec.peers()))
    msp_dir = layout.user_msp_dir(org.msp_id, "User1")
    identity, signer = load_msp_identity(msp_dir, org.msp_id)
    key = load_private_key(next((msp_dir / "keystore").iterdir()))
    target, ca, host = user_channel(layout)
    channel = secure_channel(target, ca, server_name_override=host)
    try:
        gw = connect(channel, identity, signer)
        network = gw.get_network("dch")
        tcc = network.get_contract("tcc")

        # submit -> commit, then evaluate the committed value
        tcc.submit_transaction("put", "k", "v1")
        assert tcc.evaluate_transaction("get", "k") == b"v1"

        # chaincode error: EndorseError with the peer's own message in the details
        with pytest.raises(EndorseError) as endorse_error:
            tcc.submit_transaction("fail", "no way")
        assert endorse_error.value.details[0].message == "chaincode response 500, no way"

        # MVCC: two endorsements read the same version; the second to commit is invalid
        first = tcc.new_proposal("putget", ["m", "a"]).endorse()
        second = tcc.new_proposal("putget", ["m", "b"]).endorse()
        assert first.submit().get_status().successful
        second_status = second.submit().get_status()
        assert not second_status.successful
        assert second_status.code == transaction_pb2.TxValidationCode.MVCC_READ_CONFLICT

        # offline signing: no signer in the client at all
        offline = connect(channel, identity)
        unsigned = offline.get_network("dch").get_contract("tcc").new_proposal("put", ["o", "v2"])
        proposal = offline.new_signed_proposal(unsigned.bytes, ecdsa.sign_digest(key, unsigned.digest))
        tx = proposal.endorse()
        tx = offline.new_signed_transaction(tx.bytes, ecdsa.sign_digest(key, tx.digest))
        commit = tx.submit()
        commit = offline.new_signed_commit(commit.bytes, ecdsa.sign_digest(key, commit.digest))
        assert commit.get_status().successful
        assert tcc.evaluate_transaction("get", "o") == b"v2"

        # chaincode events resume from a file checkpoint across "restarts"
        evcc = network.get_contract("evcc")
        start = evcc.submit_async("created", ["p1"])
        start_block = start.get_status().block_number
        cp_path = tmp_path / "cp.json"
        checkpoint = checkpointers.file(cp_path)
        with network.get_chaincode_events("evcc", start_block=start_block, checkpoint=checkpoint) as events:
            event = next(events)
            assert (event.event_name, event.payload, event.block_number) == ("created", b"p1", start_block)
            checkpoint.checkpoint_chaincode_event(event)
        evcc.submit_transaction("created", "p2")
        with network.get_chaincode_events("evcc", checkpoint=checkpointers.file(cp_path)) as events:
            assert next(events).payload == b"p2"

        # block events from the peer's Deliver service
        with network.get_block_events(start_block=start_block) as blocks:
            assert next(blocks).header.number == start_block
        with network.get_block_events(start_block=start_block, kind="filtered") as blocks:
            assert next(blocks).number == start_block
    finally:
        channel.close()


@pytest.mark.integration
def test_async_client_against_devnet(devnet) -> None:
    layout = devnet
    org, _ = next(iter(layout.spec.peers()))
    identity, signer = load_msp_identity(layout.user_msp_dir(org.msp_id, "User1"), org.msp_id)
    target, ca, host = user_channel(layout)

    async def scenario() -> bytes:
        credentials = grpc.ssl_channel_credentials(root_certificates=ca)
        options = [("grpc.ssl_target_name_override", host)]
        async with grpc.aio.secure_channel(target, credentials, options=options) as channel:
            contract = connect_async(channel, identity, signer).get_network("dch").get_contract("tcc")
            await contract.submit_transaction("put", "ak", "async")
            return await contract.evaluate_transaction("get", "ak")

    assert asyncio.run(scenario()) == b"async"
