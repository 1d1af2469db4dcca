"""Entry point: ``connect`` a gRPC channel and an identity to the Fabric Gateway service.

Modelled on the official clients (``client.Connect`` / ``connect()``): the caller owns the gRPC channel, so
the same code talks to devnet or a real peer by passing a different channel. ``new_signed_*`` rebuild
requests whose ``digest`` was signed elsewhere (HSM, remote signer) from their ``bytes``.
"""

from __future__ import annotations

import grpc

from gateway.client.blocks import BlockEventsRequest, BlockKind, parse_signed_block_events_request
from gateway.client.commit import Commit, parse_signed_commit
from gateway.client.context import CallTimeouts, ClientContext, Hash, client_context, sha256
from gateway.client.events import ChaincodeEventsRequest, parse_signed_events_request
from gateway.client.identity import Identity, Signer
from gateway.client.network import Network
from gateway.client.proposal import Proposal, parse_signed_proposal
from gateway.client.transaction import (
    Transaction,
    channel_of,
    parse_signed_transaction,
    parse_stored_transaction,
)


class Gateway:
    def __init__(self, context: ClientContext, channel: grpc.Channel | grpc.aio.Channel) -> None:
        self._context = context
        self._channel = channel

    @property
    def identity(self) -> Identity:
        return self._context.identity

    def get_network(self, channel_id: str) -> Network:
        return Network(self._context, channel_id)

    def new_signed_proposal(self, data: bytes, signature: bytes) -> Proposal:
        return Proposal(self._context, parse_signed_proposal(data, signature))

    def new_signed_transaction(self, data: bytes, signature: bytes) -> Transaction:
        prepared = parse_signed_transaction(data, signature)
        return Transaction(self._context, channel_of(prepared.envelope), prepared)

    def restore_transaction(self, data: bytes) -> Transaction:
        """A transaction previously signed and stored as ``Transaction.sign().bytes`` (crash recovery)."""
        prepared = parse_stored_transaction(data)
        return Transaction(self._context, channel_of(prepared.envelope), prepared)

    def new_signed_commit(self, data: bytes, signature: bytes) -> Commit:
        return Commit(self._context, parse_signed_commit(data, signature))

    def new_signed_chaincode_events_request(self, data: bytes, signature: bytes) -> ChaincodeEventsRequest:
        return ChaincodeEventsRequest(self._context, parse_signed_events_request(data, signature))

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
