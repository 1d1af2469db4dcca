"""grpc-status-details-bin decoding of gateway.ErrorDetail (Fabric ``apiutils.go`` ``newRpcError``)."""

from __future__ import annotations

import grpc
from fabric_protos.gateway import gateway_pb2

from gateway.client.errors import EndorseError
from gateway.client.status import RpcStatus, decode_error_details, encode_status


def test_round_trip_and_wire_layout() -> None:
    details = [gateway_pb2.ErrorDetail(address="peer0:7051", msp_id="Org1MSP", message="nope")]
    data = encode_status(grpc.StatusCode.ABORTED, "failed", details)
    status = RpcStatus.FromString(data)
    assert status.code == 10 and status.message == "failed"
    assert status.details[0].type_url == "type.googleapis.com/gateway.ErrorDetail"
    assert decode_error_details(data) == details


def test_foreign_details_are_skipped_and_garbage_yields_nothing() -> None:
    status = RpcStatus(code=2, message="m")
    status.details.add(type_url="type.googleapis.com/google.rpc.DebugInfo", value=b"\x0a\x01x")
    detail = gateway_pb2.ErrorDetail(message="kept")
    status.details.add(type_url="type.googleapis.com/gateway.ErrorDetail", value=detail.SerializeToString())
    assert decode_error_details(status.SerializeToString()) == [detail]
    assert decode_error_details(b"\xff\xff\xff") == []


def test_error_message_lists_every_endorser() -> None:
    err = EndorseError(
        "failed to collect enough transaction endorsements",
        grpc.StatusCode.ABORTED,
        [
            gateway_pb2.ErrorDetail(address="p0:7051", msp_id="Org1MSP", message="policy failure"),
            gateway_pb2.ErrorDetail(address="p1:9051", msp_id="Org2MSP", message="chaincode response 500, x"),
        ],
    )
    text = str(err)
    assert text.startswith("ABORTED: failed to collect")
    assert "p0:7051 (Org1MSP): policy failure" in text and "p1:9051 (Org2MSP): chaincode response 500, x" in text
