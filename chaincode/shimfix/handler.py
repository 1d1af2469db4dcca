"""Stream handler with defects 1 and 2 fixed (see the package docstring).

It reuses the shim's ``Handler`` state machine and request plumbing and replaces only: the stream writer
(serialised), the transaction execution (our stub; COMPLETED carries the chaincode event; exceptions become
an ERROR message instead of a silently dead task), and exposes ``ask_peer`` for ``FixedStub``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fabric_chaincode_python.fabric_shim.handler import Handler
from fabric_chaincode_python.fabric_shim.msg_queue_handler import QueueMessage
from fabric_chaincode_python.fabric_shim.response import ResponseCode
from fabric_protos.peer import chaincode_pb2, proposal_response_pb2
from fabric_protos.peer import chaincode_shim_pb2 as shim

from chaincode.shimfix.stub import FixedStub
from chaincode.shimfix.writer import SerialisedWriter

LOG = logging.getLogger("chaincode.shim")


def completed_message(request: Any, response: proposal_response_pb2.Response, stub: Any) -> Any:
    """COMPLETED with the Response and, if one was set, the last chaincode event (the peer fills in
    ``chaincode_id`` and ``tx_id``: ``core/chaincode/chaincode_support.go`` ``processChaincodeExecutionResult``)."""
    message = shim.ChaincodeMessage(type=shim.ChaincodeMessage.COMPLETED, payload=response.SerializeToString(),
                                    txid=request.txid, channel_id=request.channel_id)
    events = stub.get_events() if stub is not None else []
    if events and response.status < ResponseCode.ERRORTHRESHOLD:
        message.chaincode_event.CopyFrom(events[-1])
    return message


class FixedHandler(Handler):
    async def chat_with_peer(self, stream: Any, context: Any) -> Any:
        return await super().chat_with_peer(stream, SerialisedWriter(context))

    async def ask_peer(self, message: Any) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        await self.msg_queue_handler.queue_msg(QueueMessage(message, shim.ChaincodeMessage.Type.Name(message.type),
                                                            future))
        return await future

    async def handle_stub_interaction(self, msg: Any, action: str = "Invoke") -> None:
        stub = None
        try:
            cc_input = chaincode_pb2.ChaincodeInput.FromString(msg.payload)
            stub = FixedStub(self, msg.channel_id, msg.txid, cc_input, msg.proposal)
            if (action or "").lower() == "init":
                response = await self.chaincode.init(stub)
            else:
                response = await self.chaincode.invoke(stub)
            if response is None or not response.status:
                response = proposal_response_pb2.Response(status=ResponseCode.ERROR,
                                                          message="chaincode returned no response")
            reply = completed_message(msg, response, stub)
        except Exception as exc:  # a dead task would leave the peer waiting for its execute timeout
            LOG.exception("transaction %s failed inside the shim", msg.txid)
            reply = shim.ChaincodeMessage(type=shim.ChaincodeMessage.ERROR, payload=str(exc).encode(),
                                          txid=msg.txid, channel_id=msg.channel_id)
        await self.context.write(reply)
