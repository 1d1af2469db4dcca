"""Stub with the state-metadata calls the shim lacks, and a chaincode-to-chaincode call a peer understands.

``ChaincodeStub`` inherits ``set_state_validation_parameter`` from its interface as an argument-less
no-op, so key-level endorsement policies could never be written. These send ``PUT_STATE_METADATA`` /
``GET_STATE_METADATA`` (``core/chaincode/handler.go`` ``HandlePutStateMetadata``) with the metadata key
``VALIDATION_PARAMETER`` (``core/common/validation/statebased/vpmanagerimpl.go``).

``invoke_chaincode`` of the shim sends a bare ``ChaincodeInput`` without the callee's name and reads the
reply as a ``Response``. A peer (``HandleInvokeChaincode``) unmarshals a ``ChaincodeSpec`` whose
``chaincode_id.name`` is ``callee`` or ``callee/channel``, and answers RESPONSE carrying the callee's final
``ChaincodeMessage``: COMPLETED wraps the callee's ``Response``; anything else is a failure, which the Go
shim (``handler.go`` ``handleInvokeChaincode``) hands to the caller as a status-500 ``Response``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fabric_chaincode_python.fabric_shim.stub import ChaincodeStub
from fabric_protos.peer import chaincode_pb2, proposal_response_pb2
from fabric_protos.peer import chaincode_shim_pb2 as shim

VALIDATION_PARAMETER = "VALIDATION_PARAMETER"
ERROR_STATUS = 500


def invoke_chaincode_spec(callee: str, args: Sequence[str | bytes], channel: str = "") -> bytes:
    """The INVOKE_CHAINCODE payload: ``ChaincodeSpec{chaincode_id.name = callee[/channel], input.args}``."""
    if not callee:
        raise ValueError("chaincode_name: the chaincode to invoke must be named")
    name = f"{callee}/{channel}" if channel else callee
    arg_bytes = [a.encode() if isinstance(a, str) else bytes(a) for a in args]
    spec = chaincode_pb2.ChaincodeSpec(
        type=chaincode_pb2.ChaincodeSpec.UNDEFINED,
        chaincode_id=chaincode_pb2.ChaincodeID(name=name),
        input=chaincode_pb2.ChaincodeInput(args=arg_bytes),
    )
    return spec.SerializeToString()


def callee_response(reply: shim.ChaincodeMessage) -> proposal_response_pb2.Response:
    """The callee's ``Response`` from the peer's reply; a refusal or a failed callee is a status-500 one."""
    if reply.type != shim.ChaincodeMessage.RESPONSE:
        return proposal_response_pb2.Response(status=ERROR_STATUS, message=reply.payload.decode(errors="replace"))
    final = shim.ChaincodeMessage.FromString(reply.payload)
    if final.type == shim.ChaincodeMessage.COMPLETED:
        return proposal_response_pb2.Response.FromString(final.payload)
    return proposal_response_pb2.Response(status=ERROR_STATUS, message=final.payload.decode(errors="replace"))


class FixedStub(ChaincodeStub):
    async def set_state_validation_parameter(self, key: str, ep: bytes) -> None:
        request = shim.PutStateMetadata(
            key=key, collection="", metadata=shim.StateMetadata(metakey=VALIDATION_PARAMETER, value=bytes(ep))
        )
        await self._ask(shim.ChaincodeMessage.PUT_STATE_METADATA, request.SerializeToString())

    async def get_state_validation_parameter(self, key: str) -> bytes:
        request = shim.GetStateMetadata(key=key, collection="")
        reply = await self._ask(shim.ChaincodeMessage.GET_STATE_METADATA, request.SerializeToString())
        result = shim.StateMetadataResult.FromString(reply.payload)
        for entry in result.entries:
            if entry.metakey == VALIDATION_PARAMETER:
                return bytes(entry.value)
        return b""

    async def invoke_chaincode(
        self, chaincode_name: str, args: Sequence[str | bytes], channel: str = ""
    ) -> proposal_response_pb2.Response:
        """Call ``chaincode_name`` (on ``channel``, default this one) within this transaction."""
        message = shim.ChaincodeMessage(
            type=shim.ChaincodeMessage.INVOKE_CHAINCODE,
            payload=invoke_chaincode_spec(chaincode_name, args, channel),
            txid=self.tx_id,
            channel_id=self.channel_id,
        )
        return callee_response(await self.client.ask_peer(message))

    async def _ask(self, msg_type: int, payload: bytes) -> Any:
        message = shim.ChaincodeMessage(type=msg_type, payload=payload, txid=self.tx_id, channel_id=self.channel_id)
        reply = await self.client.ask_peer(message)
        if reply.type == shim.ChaincodeMessage.ERROR:
            raise RuntimeError(f"peer refused {shim.ChaincodeMessage.Type.Name(msg_type)}: "
                               f"{reply.payload.decode(errors='replace')}")
        return reply
