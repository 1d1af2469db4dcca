"""A minimal chaincode speaking the shim protocol directly, for what the Python shim cannot do: it emits a
chaincode event with every COMPLETED (the official Python shim never sends events - a known defect)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
from fabric_protos.peer import (
    chaincode_event_pb2,
    chaincode_pb2,
    chaincode_shim_pb2,
    chaincode_shim_pb2_grpc,
    proposal_response_pb2,
)

Msg = chaincode_shim_pb2.ChaincodeMessage


class RawChaincode(chaincode_shim_pb2_grpc.ChaincodeServicer):
    """A shim-protocol chaincode server for ``package_id``; its stream opens with :meth:`register`."""

    def __init__(self, package_id: str) -> None:
        self.package_id = package_id

    def register(self) -> Msg:
        """REGISTER naming the package id, the first message a chaincode sends on its stream."""
        return Msg(type=Msg.REGISTER, payload=chaincode_pb2.ChaincodeID(name=self.package_id).SerializeToString())


class EventChaincode(RawChaincode):
    """Every transaction ``[name, payload]`` writes key ``name`` and emits event ``name`` with ``payload``."""

    async def Connect(self, request_iterator: AsyncIterator[Msg], context: grpc.aio.ServicerContext,  # noqa: N802
                      ) -> AsyncIterator[Msg]:
        yield self.register()
        pending: dict[str, chaincode_pb2.ChaincodeInput] = {}
        async for msg in request_iterator:
            if msg.type == Msg.TRANSACTION:
                cc_input = chaincode_pb2.ChaincodeInput.FromString(msg.payload)
                pending[msg.txid] = cc_input
                put = chaincode_shim_pb2.PutState(key=cc_input.args[0].decode(), value=cc_input.args[1])
                yield Msg(type=Msg.PUT_STATE, payload=put.SerializeToString(), txid=msg.txid,
                          channel_id=msg.channel_id)
            elif msg.type in (Msg.RESPONSE, Msg.ERROR) and msg.txid in pending:
                cc_input = pending.pop(msg.txid)
                event = chaincode_event_pb2.ChaincodeEvent(event_name=cc_input.args[0].decode(),
                                                           payload=cc_input.args[1])
                yield Msg(type=Msg.COMPLETED, txid=msg.txid, channel_id=msg.channel_id, chaincode_event=event,
                          payload=proposal_response_pb2.Response(status=200, payload=b"ok").SerializeToString())


async def start_event_server(package_id: str, port: int) -> grpc.aio.Server:
    server = grpc.aio.server()
    chaincode_shim_pb2_grpc.add_ChaincodeServicer_to_server(EventChaincode(package_id), server)
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    return server


class SilentChaincode(RawChaincode):
    """Registers, then never answers a transaction: the peer's execute timeout must fire."""

    async def Connect(self, request_iterator: AsyncIterator[Msg], context: grpc.aio.ServicerContext,  # noqa: N802
                      ) -> AsyncIterator[Msg]:
        yield self.register()
        async for _ in request_iterator:
            pass


class ProbeChaincode(RawChaincode):
    """On a transaction, sends GET_STATE under a txid the peer does not know and completes with the peer's
    answer (type name and payload) as the response payload."""

    async def Connect(self, request_iterator: AsyncIterator[Msg], context: grpc.aio.ServicerContext,  # noqa: N802
                      ) -> AsyncIterator[Msg]:
        yield self.register()
        real_txid = ""
        async for msg in request_iterator:
            if msg.type == Msg.TRANSACTION:
                real_txid = msg.txid
                yield Msg(type=Msg.GET_STATE, payload=chaincode_shim_pb2.GetState(key="k").SerializeToString(),
                          txid="bogus", channel_id=msg.channel_id)
            elif msg.txid == "bogus":
                answer = f"{Msg.Type.Name(msg.type)}:{msg.payload.decode()}".encode()
                yield Msg(type=Msg.COMPLETED, txid=real_txid, channel_id=msg.channel_id,
                          payload=proposal_response_pb2.Response(status=200, payload=answer).SerializeToString())
