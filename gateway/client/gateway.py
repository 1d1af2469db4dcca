"""Entry point: ``connect`` a gRPC channel and an identity to the Fabric Gateway service.

Modelled on the official clients (``client.Connect`` / ``connect()``): the caller owns the gRPC channel, so
the same code talks to devnet or a real peer by passing a different channel. ``new_signed_*`` rebuild
requests whose ``digest`` was signed elsewhere (HSM, remote signer) from their ``bytes``.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import grpc

from gateway.client.blocks import BlockEventsRequest, BlockKind, parse_signed_block_events_request
from gateway.client.commit import Commit, CommitBase, parse_signed_commit
from gateway.client.context import CallTimeouts, ClientContext, Hash, client_context, sha256
from gateway.client.events import ChaincodeEventsRequest, ChaincodeEventsRequestBase, parse_signed_events_request
from gateway.client.identity import Identity, Signer
from gateway.client.network import Network, NetworkBase
from gateway.client.proposal import Proposal, ProposalBase, parse_signed_proposal
from gateway.client.transaction import (
    Transaction,
    TransactionBase,
    channel_of,
    parse_signed_transaction,
    parse_stored_transaction,
)

NetworkT = TypeVar("NetworkT", bound=NetworkBase[Any, Any, Any, Any])
ProposalT = TypeVar("ProposalT", bound=ProposalBase[Any])
TransactionT = TypeVar("TransactionT", bound=TransactionBase[Any])
CommitT = TypeVar("CommitT", bound=CommitBase)
EventsRequestT = TypeVar("EventsRequestT", bound=ChaincodeEventsRequestBase[Any])


class GatewayBase(Generic[NetworkT, ProposalT, TransactionT, CommitT, EventsRequestT]):
    """The client's entry point, both flavours; the flavour names the classes it hands out."""

    network_type: type[NetworkT]
    proposal_type: type[ProposalT]
    transaction_type: type[TransactionT]
    commit_type: type[CommitT]
    events_request_type: type[EventsRequestT]

    def __init__(self, context: ClientContext) -> None:
        self._context = context

    @property
    def identity(self) -> Identity:
        return self._context.identity

    def get_network(self, channel_id: str) -> NetworkT:
        return self.network_type(self._context, channel_id)

    def new_signed_proposal(self, data: bytes, signature: bytes) -> ProposalT:
        return self.proposal_type(self._context, parse_signed_proposal(data, signature))

    def new_signed_transaction(self, data: bytes, signature: bytes) -> TransactionT:
        prepared = parse_signed_transaction(data, signature)
        return self.transaction_type(self._context, channel_of(prepared.envelope), prepared)

    def restore_transaction(self, data: bytes) -> TransactionT:
        """A transaction previously signed and stored as ``Transaction.sign().bytes`` (crash recovery)."""
        prepared = parse_stored_transaction(data)
        return self.transaction_type(self._context, channel_of(prepared.envelope), prepared)

    def new_signed_commit(self, data: bytes, signature: bytes) -> CommitT:
        return self.commit_type(self._context, parse_signed_commit(data, signature))

    def new_signed_chaincode_events_request(self, data: bytes, signature: bytes) -> EventsRequestT:
        return self.events_request_type(self._context, parse_signed_events_request(data, signature))


class Gateway(GatewayBase[Network, Proposal, Transaction, Commit, ChaincodeEventsRequest]):
    network_type = Network
    proposal_type = Proposal
    transaction_type = Transaction
    commit_type = Commit
    events_request_type = ChaincodeEventsRequest

    def __init__(self, context: ClientContext, channel: grpc.Channel | grpc.aio.Channel) -> None:
        super().__init__(context)
        self._channel = channel

    def new_signed_block_events_request(
        self, data: bytes, signature: bytes, kind: BlockKind = "block"
    ) -> BlockEventsRequest:
        return BlockEventsRequest(self._context, parse_signed_block_events_request(data, signature), kind)

    def close(self) -> None:
        """The gRPC channel belongs to the caller and stays open (as in the official clients)."""

    def __enter__(self) -> Gateway:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect(
    client: grpc.Channel,
    identity: Identity,
    signer: Signer | None = None,
    hash: Hash = sha256,
    timeouts: CallTimeouts | None = None,
) -> Gateway:
    """``signer`` signs whole messages (hashing them itself); omit it to sign every ``digest`` offline."""
    return Gateway(client_context(client, identity, signer, hash, timeouts, with_deliver=True), client)
