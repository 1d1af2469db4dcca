"""Stub with the state-metadata calls the shim lacks.

``ChaincodeStub`` inherits ``set_state_validation_parameter`` from its interface as an argument-less
no-op, so key-level endorsement policies could never be written. These send ``PUT_STATE_METADATA`` /
``GET_STATE_METADATA`` (``core/chaincode/handler.go`` ``HandlePutStateMetadata``) with the metadata key
``VALIDATION_PARAMETER`` (``core/common/validation/statebased/vpmanagerimpl.go``).
"""

from __future__ import annotations

from typing import Any

from fabric_chaincode_python.fabric_shim.stub import ChaincodeStub
from fabric_protos.peer import chaincode_shim_pb2 as shim

VALIDATION_PARAMETER = "VALIDATION_PARAMETER"


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

    async def _ask(self, msg_type: int, payload: bytes) -> Any:
        message = shim.ChaincodeMessage(type=msg_type, payload=payload, txid=self.tx_id, channel_id=self.channel_id)
        reply = await self.client.ask_peer(message)
        if reply.type == shim.ChaincodeMessage.ERROR:
            raise RuntimeError(f"peer refused {shim.ChaincodeMessage.Type.Name(msg_type)}: "
                               f"{reply.payload.decode(errors='replace')}")
        return reply
