"""A channel as seen through the gateway: where contracts live and events come from."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from gateway.client.blocks import BlockEventIterator, BlockEventsRequest, BlockKind, new_block_events_envelope
from gateway.client.checkpoint import Checkpointer
from gateway.client.commit import Commit, CommitBase, new_commit
from gateway.client.context import ClientContext
from gateway.client.contract import Contract, ContractBase
from gateway.client.events import (
    ChaincodeEventIterator,
    ChaincodeEventsRequest,
    ChaincodeEventsRequestBase,
    new_events_request,
)
from gateway.client.fields import require_name

ContractT = TypeVar("ContractT", bound=ContractBase[Any])
CommitT = TypeVar("CommitT", bound=CommitBase)
EventsRequestT = TypeVar("EventsRequestT", bound=ChaincodeEventsRequestBase[Any])
EventIteratorT = TypeVar("EventIteratorT")


class NetworkBase(Generic[ContractT, CommitT, EventsRequestT, EventIteratorT]):
    """A channel, both flavours; the flavour names the classes it hands out."""

    contract_type: type[ContractT]
    commit_type: type[CommitT]
    events_request_type: type[EventsRequestT]

    def __init__(self, context: ClientContext, channel_id: str) -> None:
        self._context = context
        self.name = require_name("channel_id", channel_id)

    def get_contract(self, chaincode_name: str, contract_name: str = "") -> ContractT:
        return self.contract_type(self._context, self.name, chaincode_name, contract_name)

    def new_commit(self, transaction_id: str) -> CommitT:
        """Commit status query for any transaction of this client on this channel (e.g. after a restart)."""
        return self.commit_type(self._context, new_commit(self._context, self.name, transaction_id))

    def new_chaincode_events_request(
        self, chaincode_name: str, start_block: int | None = None, checkpoint: Checkpointer | None = None
    ) -> EventsRequestT:
        """Unsigned request; resumes from ``checkpoint`` when it holds progress, else from ``start_block``
        (``None``: the next block to be committed)."""
        request = new_events_request(self._context, self.name, chaincode_name, start_block, checkpoint)
        return self.events_request_type(self._context, request)

    def get_chaincode_events(
        self,
        chaincode_name: str,
        start_block: int | None = None,
        checkpoint: Checkpointer | None = None,
        timeout: float | None = None,
    ) -> EventIteratorT:
        """Live event stream. Call ``checkpoint.checkpoint_chaincode_event(event)`` after handling each event
        to make a restarted listener continue exactly after it."""
        events = self.new_chaincode_events_request(chaincode_name, start_block, checkpoint).get_events(timeout)
        return events  # type: ignore[no-any-return]


class Network(NetworkBase[Contract, Commit, ChaincodeEventsRequest, ChaincodeEventIterator]):
    contract_type = Contract
    commit_type = Commit
    events_request_type = ChaincodeEventsRequest

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
