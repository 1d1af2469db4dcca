"""In-process Gateway service double for the client's unit tests (not an integration target).

It checks every signature the way a peer would (ecdsa.verify against the creator's certificate), endorses
with throwaway peer keys, keeps a toy ledger of committed transaction IDs and chaincode events, and can be
told to fail with Fabric-style ``ErrorDetail`` trailers.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass, field

import grpc
from cryptography.hazmat.primitives.asymmetric import ec
from fabric_protos.common import common_pb2
from fabric_protos.gateway import gateway_pb2, gateway_pb2_grpc
from fabric_protos.orderer import ab_pb2
from fabric_protos.peer import (
    chaincode_event_pb2,
    chaincode_pb2,
    events_pb2,
    events_pb2_grpc,
    proposal_pb2,
    proposal_response_pb2,
    transaction_pb2,
)
from gwclient_support import endorse

from gateway.client import ecdsa
from gateway.client.identity import Identity, Signer
from gateway.client.status import STATUS_TRAILER, encode_status
from gateway.client.transaction import prepare_envelope

Peer = tuple[Identity, Signer, ec.EllipticCurvePrivateKey]


def verify_by(identity_bytes: bytes, message: bytes, signature: bytes) -> bool:
    public_key = Identity.deserialize(identity_bytes).certificate().public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    return ecdsa.verify(public_key, message, signature)


def unpack(sp: proposal_pb2.SignedProposal) -> tuple[common_pb2.ChannelHeader, bytes, list[bytes]]:
    prop = proposal_pb2.Proposal.FromString(sp.proposal_bytes)
    hdr = common_pb2.Header.FromString(prop.header)
    chdr = common_pb2.ChannelHeader.FromString(hdr.channel_header)
    creator = common_pb2.SignatureHeader.FromString(hdr.signature_header).creator
    cpp = proposal_pb2.ChaincodeProposalPayload.FromString(prop.payload)
    cis = chaincode_pb2.ChaincodeInvocationSpec.FromString(cpp.input)
    return chdr, creator, list(cis.chaincode_spec.input.args)


def abort_with_details(context: grpc.ServicerContext, code: grpc.StatusCode, message: str, details: list) -> None:
    context.set_trailing_metadata(((STATUS_TRAILER, encode_status(code, message, details)),))
    context.abort(code, message)


@dataclass
class Block:
    number: int
    events: list[chaincode_event_pb2.ChaincodeEvent] = field(default_factory=list)


class FakeGateway(gateway_pb2_grpc.GatewayServicer):
    def __init__(self, peers: list[Peer]) -> None:
        self.peers = peers
        self.lock = threading.Lock()
        self.blocks: list[Block] = []
        self.committed: dict[str, tuple[int, int]] = {}
        self.requests: list[object] = []
        self.pending_codes: dict[str, int] = {}
        self.hold_streams_open = False
        self.deliver: FakeDeliver | None = None

    # -- helpers ---------------------------------------------------------------------------------------
    def check_proposal(self, sp: proposal_pb2.SignedProposal, context: grpc.ServicerContext) -> list[bytes]:
        chdr, creator, args = unpack(sp)
        if not verify_by(creator, sp.proposal_bytes, sp.signature):
            context.abort(grpc.StatusCode.PERMISSION_DENIED, "bad proposal signature")
        return args

    def add_block(self, events: list[chaincode_event_pb2.ChaincodeEvent]) -> int:
        with self.lock:
            number = len(self.blocks)
            self.blocks.append(Block(number, events))
            return number

    # -- RPCs ------------------------------------------------------------------------------------------
    def Evaluate(
        self, request: gateway_pb2.EvaluateRequest, context: grpc.ServicerContext
    ) -> gateway_pb2.EvaluateResponse:
        self.requests.append(request)
        args = self.check_proposal(request.proposed_transaction, context)
        if args[0] == b"Fail":
            detail = gateway_pb2.ErrorDetail(
                address="peer0:7051", msp_id="Org1MSP", message="chaincode response 500, boom"
            )
            abort_with_details(context, grpc.StatusCode.UNKNOWN, "failed to evaluate transaction", [detail])
        payload = b"|".join(args) + b"@" + ",".join(request.target_organizations).encode()
        return gateway_pb2.EvaluateResponse(result=proposal_response_pb2.Response(status=200, payload=payload))

    def Endorse(
        self, request: gateway_pb2.EndorseRequest, context: grpc.ServicerContext
    ) -> gateway_pb2.EndorseResponse:
        self.requests.append(request)
        sp = request.proposed_transaction
        args = self.check_proposal(sp, context)
        if args[0] == b"Fail":
            details = [
                gateway_pb2.ErrorDetail(address=f"peer{i}:7051", msp_id=p[0].msp_id, message=f"endorser {i} refused")
                for i, p in enumerate(self.peers)
            ]
            abort_with_details(
                context,
                grpc.StatusCode.ABORTED,
                "failed to collect enough transaction endorsements, see attached details for more info",
                details,
            )
        result = b"result:" + b",".join(args[1:])
        responses = [endorse(sp.proposal_bytes, p, payload=result) for p in self.peers]
        envelope = prepare_envelope(sp, responses)
        if args[0] == b"Tamper":
            payload = common_pb2.Payload.FromString(envelope.payload)
            chdr = common_pb2.ChannelHeader.FromString(payload.header.channel_header)
            chdr.channel_id = "otherchannel"
            payload.header.channel_header = chdr.SerializeToString()
            envelope = common_pb2.Envelope(payload=payload.SerializeToString())
        if args[0] == b"Invalid":
            self.pending_codes[request.transaction_id] = transaction_pb2.TxValidationCode.MVCC_READ_CONFLICT
        return gateway_pb2.EndorseResponse(prepared_transaction=envelope)

    def Submit(self, request: gateway_pb2.SubmitRequest, context: grpc.ServicerContext) -> gateway_pb2.SubmitResponse:
        self.requests.append(request)
        env = request.prepared_transaction
        payload = common_pb2.Payload.FromString(env.payload)
        creator = common_pb2.SignatureHeader.FromString(payload.header.signature_header).creator
        if not env.signature or not verify_by(creator, env.payload, env.signature):
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "prepared transaction must be signed by its creator")
        tx_id = common_pb2.ChannelHeader.FromString(payload.header.channel_header).tx_id
        code = self.pending_codes.pop(tx_id, transaction_pb2.TxValidationCode.VALID)
        event = chaincode_event_pb2.ChaincodeEvent(chaincode_id="assets", tx_id=tx_id, event_name="Submitted")
        block = self.add_block([event] if code == transaction_pb2.TxValidationCode.VALID else [])
        self.committed[tx_id] = (code, block)
        return gateway_pb2.SubmitResponse()

    def CommitStatus(
        self, request: gateway_pb2.SignedCommitStatusRequest, context: grpc.ServicerContext
    ) -> gateway_pb2.CommitStatusResponse:
        self.requests.append(request)
        inner = gateway_pb2.CommitStatusRequest.FromString(request.request)
        if not verify_by(inner.identity, request.request, request.signature):
            context.abort(grpc.StatusCode.PERMISSION_DENIED, "bad commit status signature")
        if inner.transaction_id not in self.committed:
            context.abort(grpc.StatusCode.NOT_FOUND, f"transaction {inner.transaction_id} not found")
        code, block = self.committed[inner.transaction_id]
        return gateway_pb2.CommitStatusResponse(result=code, block_number=block)

    def ChaincodeEvents(
        self, request: gateway_pb2.SignedChaincodeEventsRequest, context: grpc.ServicerContext
    ) -> Iterator[gateway_pb2.ChaincodeEventsResponse]:
        self.requests.append(request)
        inner = gateway_pb2.ChaincodeEventsRequest.FromString(request.request)
        if not verify_by(inner.identity, request.request, request.signature):
            context.abort(grpc.StatusCode.PERMISSION_DENIED, "bad events request signature")
        start, skip_until = self.start_block(inner)
        for block in list(self.blocks[start:]):
            events = [e for e in block.events if e.chaincode_id == inner.chaincode_id]
            if skip_until is not None and block.number == start:
                ids = [e.tx_id for e in events]
                events = events[ids.index(skip_until) + 1 :] if skip_until in ids else events
            if events:
                yield gateway_pb2.ChaincodeEventsResponse(events=events, block_number=block.number)
        while self.hold_streams_open and context.is_active():
            threading.Event().wait(0.02)

    def start_block(self, inner: gateway_pb2.ChaincodeEventsRequest) -> tuple[int, str | None]:
        """Reference 10.4: after_transaction_id first, then specified / next_commit."""
        if inner.after_transaction_id:
            for block in self.blocks:
                if any(e.tx_id == inner.after_transaction_id for e in block.events):
                    return block.number, inner.after_transaction_id
        kind = inner.start_position.WhichOneof("Type")
        if kind == "specified":
            return inner.start_position.specified.number, None
        return len(self.blocks), None


class FakeDeliver(events_pb2_grpc.DeliverServicer):
    """Peer Deliver double over the gateway double's blocks (reference 10.5)."""

    def __init__(self, gateway: FakeGateway) -> None:
        self.gateway = gateway
        self.envelopes: list[common_pb2.Envelope] = []

    def _stream(
        self, requests: Iterator[common_pb2.Envelope], context: grpc.ServicerContext, filtered: bool
    ) -> Iterator[events_pb2.DeliverResponse]:
        envelope = next(requests)
        self.envelopes.append(envelope)
        payload = common_pb2.Payload.FromString(envelope.payload)
        chdr = common_pb2.ChannelHeader.FromString(payload.header.channel_header)
        creator = common_pb2.SignatureHeader.FromString(payload.header.signature_header).creator
        if chdr.type != common_pb2.HeaderType.DELIVER_SEEK_INFO or not verify_by(
            creator, envelope.payload, envelope.signature
        ):
            yield events_pb2.DeliverResponse(status=common_pb2.Status.FORBIDDEN)
            return
        seek = ab_pb2.SeekInfo.FromString(payload.data)
        blocks = self.gateway.blocks
        start = seek.start.specified.number if seek.start.WhichOneof("Type") == "specified" else len(blocks)
        for block in list(blocks[start:]):
            if filtered:
                yield events_pb2.DeliverResponse(
                    filtered_block=events_pb2.FilteredBlock(channel_id=chdr.channel_id, number=block.number)
                )
            else:
                yield events_pb2.DeliverResponse(
                    block=common_pb2.Block(header=common_pb2.BlockHeader(number=block.number))
                )
        while self.gateway.hold_streams_open and context.is_active():
            threading.Event().wait(0.02)
        yield events_pb2.DeliverResponse(status=common_pb2.Status.SUCCESS)

    def Deliver(
        self, request_iterator: Iterator[common_pb2.Envelope], context: grpc.ServicerContext
    ) -> Iterator[events_pb2.DeliverResponse]:
        return self._stream(request_iterator, context, filtered=False)

    def DeliverFiltered(
        self, request_iterator: Iterator[common_pb2.Envelope], context: grpc.ServicerContext
    ) -> Iterator[events_pb2.DeliverResponse]:
        return self._stream(request_iterator, context, filtered=True)


def serve(
    servicer: gateway_pb2_grpc.GatewayServicer, credentials: grpc.ServerCredentials | None = None
) -> tuple[grpc.Server, int]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    gateway_pb2_grpc.add_GatewayServicer_to_server(servicer, server)
    if isinstance(servicer, FakeGateway):
        servicer.deliver = FakeDeliver(servicer)
        events_pb2_grpc.add_DeliverServicer_to_server(servicer.deliver, server)
    if credentials is None:
        port = server.add_insecure_port("127.0.0.1:0")
    else:
        port = server.add_secure_port("127.0.0.1:0", credentials)
    server.start()
    return server, port
