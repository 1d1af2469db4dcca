"""Our requests have the same shape as the official Node client's (@hyperledger/fabric-gateway 1.12.1).

The official client (driven by ``tests/interop/node/client.js``) talks TLS to a *recorder*: a Gateway servicer that
stores each request and refuses it (UNIMPLEMENTED), so no Fabric behaviour is imitated. The recorded proposals
and event requests are decoded field by field and compared with what this library builds for the same call;
only per-request randomness (nonce, txid, timestamp, signatures) may differ, and that is checked by formula.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import grpc
import pytest
from fabric_protos.common import common_pb2
from fabric_protos.gateway import gateway_pb2, gateway_pb2_grpc
from fabric_protos.peer import chaincode_pb2, proposal_pb2
from google.protobuf.json_format import MessageToDict
from gwclient_server import serve
from test_gwclient_tls import HOST, tls_material

from gateway.client import ecdsa
from gateway.client.events import chaincode_events_request
from gateway.client.proposal import build_signed_proposal
from network.crypto.certs import private_key_pem

NODE_DIR = Path(__file__).resolve().parents[2] / "interop" / "node"


class Recorder(gateway_pb2_grpc.GatewayServicer):
    def __init__(self) -> None:
        self.requests: list[object] = []

    def _refuse(self, request: object, context: grpc.ServicerContext) -> None:
        self.requests.append(request)
        context.abort(grpc.StatusCode.UNIMPLEMENTED, "recorder")

    def Evaluate(self, request, context):  # noqa: ANN001, ANN201 - grpc servicer signature
        self._refuse(request, context)

    def Endorse(self, request, context):  # noqa: ANN001, ANN201
        self._refuse(request, context)

    def ChaincodeEvents(self, request, context):  # noqa: ANN001, ANN201
        self._refuse(request, context)


def proposal_shape(sp: proposal_pb2.SignedProposal) -> dict:
    """Every field of a signed proposal, decoded, with per-request randomness replaced by formula checks."""
    prop = proposal_pb2.Proposal.FromString(sp.proposal_bytes)
    hdr = common_pb2.Header.FromString(prop.header)
    chdr = common_pb2.ChannelHeader.FromString(hdr.channel_header)
    shdr = common_pb2.SignatureHeader.FromString(hdr.signature_header)
    cpp = proposal_pb2.ChaincodeProposalPayload.FromString(prop.payload)
    cis = chaincode_pb2.ChaincodeInvocationSpec.FromString(cpp.input)
    ext = proposal_pb2.ChaincodeHeaderExtension.FromString(chdr.extension)
    assert chdr.tx_id == hashlib.sha256(shdr.nonce + shdr.creator).hexdigest()
    assert len(shdr.nonce) == 24 and chdr.timestamp.seconds > 0
    chdr_fields = MessageToDict(chdr, preserving_proto_field_name=True)
    for random_field in ("tx_id", "timestamp", "extension"):
        chdr_fields.pop(random_field, None)
    return {
        "proposal_fields": sorted(f.name for f, _ in prop.ListFields()),
        "header_fields": sorted(f.name for f, _ in hdr.ListFields()),
        "channel_header": chdr_fields,
        "extension": MessageToDict(ext, preserving_proto_field_name=True),
        "signature_header_fields": sorted(f.name for f, _ in shdr.ListFields()),
        "creator": shdr.creator,
        "payload_fields": sorted(f.name for f, _ in cpp.ListFields()),
        "invocation_spec": MessageToDict(cis, preserving_proto_field_name=True),
    }


@pytest.mark.integration
def test_requests_match_official_node_client(tmp_path: Path, client) -> None:
    if shutil.which("node") is None or not (NODE_DIR / "node_modules" / "@hyperledger" / "fabric-gateway").is_dir():
        pytest.skip("node or tests/interop/node/node_modules missing (run scripts/setup.sh)")
    identity, signer, key = client
    ca_pem, cert_pem, key_pem = tls_material()
    recorder = Recorder()
    server, port = serve(recorder, grpc.ssl_server_credentials([(key_pem, cert_pem)]))
    try:
        (tmp_path / "ca.pem").write_bytes(ca_pem)
        (tmp_path / "cert.pem").write_bytes(identity.certificate_pem)
        (tmp_path / "key.pem").write_bytes(private_key_pem(key))
        plan = {
            "peer": {"address": f"127.0.0.1:{port}", "hostAlias": HOST, "tlsRootCertPath": str(tmp_path / "ca.pem")},
            "identity": {
                "mspId": identity.msp_id,
                "certPath": str(tmp_path / "cert.pem"),
                "keyPath": str(tmp_path / "key.pem"),
            },
            "channel": "mychannel",
            "chaincode": "assets",
            "steps": [
                {"op": "evaluate", "fn": "ReadAsset", "args": ["a1"]},
                {"op": "submit", "fn": "CreateAsset", "args": ["a1", "blue"]},
                {"op": "events", "startBlock": 7},
                {"op": "events"},
            ],
        }
        (tmp_path / "plan.json").write_text(json.dumps(plan))
        run = subprocess.run(
            ["node", str(NODE_DIR / "client.js"), str(tmp_path / "plan.json")],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=NODE_DIR,
        )
    finally:
        server.stop(None)
    assert run.returncode == 0, run.stderr
    outcomes = [json.loads(line) for line in run.stdout.splitlines()]
    assert [o["ok"] for o in outcomes] == [False, False, False, False]
    evaluate, endorse, events, events_next = recorder.requests

    # Evaluate: the official request vs ours for the same call.
    assert isinstance(evaluate, gateway_pb2.EvaluateRequest)
    ours, our_txid = build_signed_proposal(identity, signer, "mychannel", "assets", [b"ReadAsset", b"a1"])
    assert (evaluate.channel_id, list(evaluate.target_organizations)) == ("mychannel", [])
    assert (
        evaluate.transaction_id
        == common_pb2.ChannelHeader.FromString(
            common_pb2.Header.FromString(
                proposal_pb2.Proposal.FromString(evaluate.proposed_transaction.proposal_bytes).header
            ).channel_header
        ).tx_id
    )
    assert proposal_shape(evaluate.proposed_transaction) == proposal_shape(ours)
    official_sig = evaluate.proposed_transaction.signature
    assert ecdsa.verify(key.public_key(), evaluate.proposed_transaction.proposal_bytes, official_sig)

    # Endorse.
    assert isinstance(endorse, gateway_pb2.EndorseRequest)
    ours, _ = build_signed_proposal(identity, signer, "mychannel", "assets", [b"CreateAsset", b"a1", b"blue"])
    assert (endorse.channel_id, list(endorse.endorsing_organizations)) == ("mychannel", [])
    assert proposal_shape(endorse.proposed_transaction) == proposal_shape(ours)

    # Chaincode events request from block 7.
    assert isinstance(events, gateway_pb2.SignedChaincodeEventsRequest)
    assert ecdsa.verify(key.public_key(), events.request, events.signature)
    official = gateway_pb2.ChaincodeEventsRequest.FromString(events.request)
    mine = chaincode_events_request(identity, "mychannel", "assets", start_block=7)
    assert MessageToDict(official) == MessageToDict(mine)

    # Without a start block both ask for the next commit.
    official = gateway_pb2.ChaincodeEventsRequest.FromString(events_next.request)
    mine = chaincode_events_request(identity, "mychannel", "assets")
    assert official.start_position.WhichOneof("Type") == "next_commit"
    assert MessageToDict(official) == MessageToDict(mine)
