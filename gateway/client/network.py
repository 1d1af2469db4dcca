"""A channel as seen through the gateway: where contracts live and events come from."""

from __future__ import annotations

from gateway.client.blocks import BlockEventIterator, BlockEventsRequest, BlockKind, new_block_events_envelope
from gateway.client.checkpoint import Checkpointer
from gateway.client.commit import Commit, new_commit
from gateway.client.context import ClientContext
from gateway.client.contract import Contract
from gateway.client.events import ChaincodeEventIterator, ChaincodeEventsRequest, new_events_request
from gateway.client.fields import require_name


class Network:
    def __init__(self, context: ClientContext, channel_id: str) -> None:
        self._context = context
        self.name = require_name("channel_id", channel_id)

    def get_contract(self, chaincode_name: str, contract_name: str = "") -> Contract:
        return Contract(self._context, self.name, chaincode_name, contract_name)

    def new_commit(self, transaction_id: str) -> Commit:
        """Commit status query for any transaction of this client on this channel (e.g. after a restart)."""
        return Commit(self._context, new_commit(self._context, self.name, transaction_id))

    def new_chaincode_events_request(
        self, chaincode_name: str, start_block: int | None = None, checkpoint: Checkpointer | None = None
    ) -> ChaincodeEventsRequest:
        """Unsigned request; resumes from ``checkpoint`` when it holds progress, else from ``start_block``
        (``None``: the next block to be committed)."""
        request = new_events_request(self._context, self.name, chaincode_name, start_block, checkpoint)
        return ChaincodeEventsRequest(self._context, request)

    def get_chaincode_events(
        self,
        chaincode_name: str,
        start_block: int | None = None,
        checkpoint: Checkpointer | None = None,
        timeout: float | None = None,
    ) -> ChaincodeEventIterator:
        """Live event stream. Call ``checkpoint.checkpoint_chaincode_event(event)`` after handling each event
        to make a restarted listener continue exactly after it."""
        return self.new_chaincode_events_request(chaincode_name, start_block, checkpoint).get_events(timeout)

    def new_block_events_request(
        self, start_block: int | None = None, checkpoint: Checkpointer | None = None, kind: BlockKind = "block"
    ) -> BlockEventsRequest:
        """Unsigned peer Deliver request (``kind``: full, filtered or with private data)."""
        envelope = new_block_events_envelope(self._context, self.name, start_block, checkpoint)
        return BlockEventsRequest(self._context, envelope, kind)

    def get_block_events(
        self,
        start_block: int | None = None,
        checkpoint: Checkpointer | None = None,
        kind: BlockKind = "block",
        timeout: float | None = None,
    ) -> BlockEventIterator:
        """Live block stream; call ``checkpoint.checkpoint_block(block.header.number)`` after each block."""
        return self.new_block_events_request(start_block, checkpoint, kind).get_events(timeout)
