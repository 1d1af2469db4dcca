"""The peer's ``protos.Deliver`` service (``core/peer/deliverevents.go``).

``Deliver`` streams full committed blocks (with the peer's TRANSACTIONS_FILTER and COMMIT_HASH) under ACL
``event/Block``; ``DeliverFiltered`` streams ``FilteredBlock``s under ``event/FilteredBlock``, where chaincode
events lose their payload (``toFilteredBlock``, ``toFilteredActions``); ``DeliverWithPrivateData`` streams
``BlockAndPrivateData`` under ``event/Block`` (this devnet keeps only hashed private data, so the private
data map is always empty).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import grpc
from fabric_protos.common import common_pb2
from fabric_protos.orderer import ab_pb2
from fabric_protos.peer import (
    chaincode_event_pb2,
    events_pb2,
    events_pb2_grpc,
    proposal_pb2,
    proposal_response_pb2,
    transaction_pb2,
)

from network.devnet.deliver.handler import BlockSource, DeliverPolicy, handle_deliver
from network.devnet.deliver.seekinfo import DeliverRequest

EVENT_BLOCK = "event/Block"
EVENT_FILTERED_BLOCK = "event/FilteredBlock"


def filtered_chaincode_actions(tx: transaction_pb2.Transaction) -> list[events_pb2.FilteredChaincodeAction]:
    """Chaincode events of the transaction's actions, without payload; actions with no event are skipped."""
    actions = []
    for action in tx.actions:
        cap = transaction_pb2.ChaincodeActionPayload.FromString(action.payload)
        prp = proposal_response_pb2.ProposalResponsePayload.FromString(cap.action.proposal_response_payload)
        cc_action = proposal_pb2.ChaincodeAction.FromString(prp.extension)
        event = chaincode_event_pb2.ChaincodeEvent.FromString(cc_action.events)
        if event.chaincode_id:
            actions.append(
                events_pb2.FilteredChaincodeAction(
                    chaincode_event=chaincode_event_pb2.ChaincodeEvent(
                        tx_id=event.tx_id, chaincode_id=event.chaincode_id, event_name=event.event_name
                    )
                )
            )
    return actions


def filtered_transaction(raw: bytes, code: int) -> events_pb2.FilteredTransaction:
    env = common_pb2.Envelope.FromString(raw)
    payload = common_pb2.Payload.FromString(env.payload)
    chdr = common_pb2.ChannelHeader.FromString(payload.header.channel_header)
    ftx = events_pb2.FilteredTransaction(txid=chdr.tx_id, type=chdr.type, tx_validation_code=code)
    if chdr.type == common_pb2.ENDORSER_TRANSACTION:
        tx = transaction_pb2.Transaction.FromString(payload.data)
        ftx.transaction_actions.CopyFrom(
            events_pb2.FilteredTransactionActions(chaincode_actions=filtered_chaincode_actions(tx))
        )
    return ftx


def filtered_block(block: common_pb2.Block, channel_id: str) -> events_pb2.FilteredBlock:
    txfilter = block.metadata.metadata[common_pb2.TRANSACTIONS_FILTER]
    return events_pb2.FilteredBlock(
        channel_id=channel_id,
        number=block.header.number,
        filtered_transactions=[filtered_transaction(raw, txfilter[i]) for i, raw in enumerate(block.data.data)],
    )


def _acl(resource: str) -> Callable[[BlockSource], str]:
    return lambda source: str(source.bundle.acl_policy(resource))


def _status(status: int) -> events_pb2.DeliverResponse:
    return events_pb2.DeliverResponse(status=status)


def _block(
    block: common_pb2.Block, seek: ab_pb2.SeekInfo, source: BlockSource, request: DeliverRequest
) -> events_pb2.DeliverResponse:
    return events_pb2.DeliverResponse(block=block)


def _filtered(
    block: common_pb2.Block, seek: ab_pb2.SeekInfo, source: BlockSource, request: DeliverRequest
) -> events_pb2.DeliverResponse:
    return events_pb2.DeliverResponse(filtered_block=filtered_block(block, request.channel_header.channel_id))


def _with_private_data(
    block: common_pb2.Block, seek: ab_pb2.SeekInfo, source: BlockSource, request: DeliverRequest
) -> events_pb2.DeliverResponse:
    return events_pb2.DeliverResponse(block_and_private_data=events_pb2.BlockAndPrivateData(block=block))


BLOCKS = DeliverPolicy(_acl(EVENT_BLOCK), _block, _status)
FILTERED = DeliverPolicy(_acl(EVENT_FILTERED_BLOCK), _filtered, _status)
PRIVATE = DeliverPolicy(_acl(EVENT_BLOCK), _with_private_data, _status)


class PeerDeliver(events_pb2_grpc.DeliverServicer):
    def __init__(self, lookup: Callable[[str], BlockSource | None]) -> None:
        self.lookup = lookup

    async def Deliver(  # noqa: N802 - gRPC method name
        self, request_iterator: AsyncIterator[common_pb2.Envelope], context: grpc.aio.ServicerContext
    ) -> AsyncIterator[events_pb2.DeliverResponse]:
        async for response in handle_deliver(request_iterator, self.lookup, BLOCKS):
            yield response

    async def DeliverFiltered(  # noqa: N802 - gRPC method name
        self, request_iterator: AsyncIterator[common_pb2.Envelope], context: grpc.aio.ServicerContext
    ) -> AsyncIterator[events_pb2.DeliverResponse]:
        async for response in handle_deliver(request_iterator, self.lookup, FILTERED):
            yield response

    async def DeliverWithPrivateData(  # noqa: N802 - gRPC method name
        self, request_iterator: AsyncIterator[common_pb2.Envelope], context: grpc.aio.ServicerContext
    ) -> AsyncIterator[events_pb2.DeliverResponse]:
        async for response in handle_deliver(request_iterator, self.lookup, PRIVATE):
            yield response
