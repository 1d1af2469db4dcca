"""Stream handler with defects 1 and 2 fixed (see the package docstring).

It reuses the shim's ``Handler`` state machine and request plumbing and replaces only: the stream writer
(serialised), the transaction execution (our stub; COMPLETED carries the chaincode event; exceptions become
an ERROR message instead of a silently dead task), the receive loop, and exposes ``ask_peer`` for
``FixedStub``.

The receive loop is the shim's, minus per-message work that changes nothing on the stream: the shim
formats the whole signed proposal and payload into f-strings for INFO lines that are discarded (``asyncio``
logger at ERROR), and spawns a task even for a RESPONSE, whose handling only resolves the waiting request's
future and, at most, writes that transaction's next queued request. A RESPONSE/ERROR is handled inline
(in arrival order, as the shim's tasks would run it); every other message still gets its own task, so a
transaction waiting on the peer never blocks the stream.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
from collections.abc import AsyncIterable
from typing import Any

from fabric_chaincode_python.fabric_shim.handler import STATES, Handler
from fabric_chaincode_python.fabric_shim.msg_queue_handler import MsgQueueHandler, QueueMessage
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


INLINE_TYPES = frozenset({shim.ChaincodeMessage.RESPONSE, shim.ChaincodeMessage.ERROR})
"""Peer replies to a request of a running transaction (``handle_message_ready`` routes both to the queue)."""


def register_message(chaincode_id: chaincode_pb2.ChaincodeID) -> shim.ChaincodeMessage:
    """REGISTER carrying the ChaincodeID and the local time, as the shim's ``chat_with_peer`` sends it."""
    message = shim.ChaincodeMessage(type=shim.ChaincodeMessage.REGISTER, payload=chaincode_id.SerializeToString())
    message.timestamp.FromDatetime(datetime.datetime.now())
    return message


class FixedHandler(Handler):
    async def chat_with_peer(self, stream: AsyncIterable[Any], context: Any) -> Any:
        """The shim's loop (REGISTER first, then dispatch every peer message) on a serialised writer."""
        self.state = STATES.CREATED
        self.context = SerialisedWriter(context)
        self.msg_queue_handler = MsgQueueHandler(self)
        await self.context.write(register_message(self.chaincode_id))
        async for message in stream:
            if message is None:
                return shim.ChaincodeMessage(type=shim.ChaincodeMessage.ERROR,
                                             payload=b"received nil message, ending chaincode stream")
            if message.type in INLINE_TYPES and self.state == STATES.READY:
                await self.msg_queue_handler.handle_msg_response(message)
            else:
                self._track_task(self.handle_message(message))
        if self._pending_tasks:
            await asyncio.gather(*self._pending_tasks, return_exceptions=True)
        return None

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
