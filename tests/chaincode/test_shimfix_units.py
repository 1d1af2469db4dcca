"""Unit checks of the two workarounds, independent of gRPC scheduling."""

from __future__ import annotations

import asyncio

import pytest
from fabric_protos.peer import chaincode_event_pb2, chaincode_pb2, proposal_response_pb2
from fabric_protos.peer import chaincode_shim_pb2 as shim

from chaincode.shimfix.handler import completed_message
from chaincode.shimfix.stub import callee_response, invoke_chaincode_spec
from chaincode.shimfix.writer import SerialisedWriter


class OneWriteAtATime:
    """Behaves like grpc.aio: a second write while one is in flight is an error."""

    def __init__(self) -> None:
        self.busy = False
        self.written: list[int] = []

    async def write(self, message: int) -> None:
        if self.busy:
            raise RuntimeError("GRPC_CALL_ERROR_TOO_MANY_OPERATIONS")
        self.busy = True
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        self.busy = False
        self.written.append(message)

    def peer(self) -> str:
        return "ipv4:127.0.0.1:1"


async def write_all(target: object, n: int) -> list[object]:
    return await asyncio.gather(*(target.write(i) for i in range(n)), return_exceptions=True)  # type: ignore[attr-defined]


def test_unserialised_concurrent_writes_collide() -> None:
    results = asyncio.run(write_all(OneWriteAtATime(), 10))
    assert any(isinstance(r, RuntimeError) for r in results)


def test_serialised_writer_delivers_every_message_in_order() -> None:
    context = OneWriteAtATime()
    writer = SerialisedWriter(context)
    results = asyncio.run(write_all(writer, 50))
    assert results == [None] * 50
    assert context.written == list(range(50)) and writer.writes == 50
    assert writer.peer() == "ipv4:127.0.0.1:1"  # everything else passes through


class StubWithEvents:
    def __init__(self, *names: str) -> None:
        self._events = [chaincode_event_pb2.ChaincodeEvent(event_name=n, payload=n.encode()) for n in names]

    def get_events(self) -> list[chaincode_event_pb2.ChaincodeEvent]:
        return self._events


@pytest.mark.parametrize("status,expected", [(200, "Second"), (500, None)])
def test_completed_carries_the_last_event_only_on_success(status: int, expected: str | None) -> None:
    request = shim.ChaincodeMessage(type=shim.ChaincodeMessage.TRANSACTION, txid="t1", channel_id="ch")
    response = proposal_response_pb2.Response(status=status)
    message = completed_message(request, response, StubWithEvents("First", "Second"))
    assert message.type == shim.ChaincodeMessage.COMPLETED and message.txid == "t1" and message.channel_id == "ch"
    if expected is None:
        assert not message.HasField("chaincode_event")
    else:
        assert message.chaincode_event.event_name == expected


def test_invoke_chaincode_payload_is_a_chaincode_spec_naming_the_callee() -> None:
    spec = chaincode_pb2.ChaincodeSpec.FromString(invoke_chaincode_spec("other", ["get", b"k"], channel="ch2"))
    assert spec.chaincode_id.name == "other/ch2"
    assert list(spec.input.args) == [b"get", b"k"]
    assert chaincode_pb2.ChaincodeSpec.FromString(invoke_chaincode_spec("other", [])).chaincode_id.name == "other"
    with pytest.raises(ValueError, match="chaincode_name"):
        invoke_chaincode_spec("", ["get"])


def _response_message(final: shim.ChaincodeMessage) -> shim.ChaincodeMessage:
    return shim.ChaincodeMessage(type=shim.ChaincodeMessage.RESPONSE, payload=final.SerializeToString())


def test_callee_response_unwraps_completed_and_turns_failures_into_status_500() -> None:
    done = proposal_response_pb2.Response(status=201, message="ok", payload=b"v")
    completed = shim.ChaincodeMessage(type=shim.ChaincodeMessage.COMPLETED, payload=done.SerializeToString())
    assert callee_response(_response_message(completed)) == done
    failed = shim.ChaincodeMessage(type=shim.ChaincodeMessage.ERROR, payload=b"callee crashed")
    assert callee_response(_response_message(failed)) == proposal_response_pb2.Response(
        status=500, message="callee crashed")
    refused = shim.ChaincodeMessage(type=shim.ChaincodeMessage.ERROR, payload=b"chaincode other not found")
    assert callee_response(refused) == proposal_response_pb2.Response(status=500, message="chaincode other not found")
