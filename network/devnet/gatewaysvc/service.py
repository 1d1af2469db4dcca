"""``gateway.Gateway`` served by a peer (``internal/pkg/gateway/``: evaluate.go, endorse.go, submit.go,
commitstatus.go, chaincodeevents.go).

Channel and chaincode come from the SignedProposal itself. Endorse: first on this peer (own org), then
other orgs' peers until the chaincode policy and any key-level policies of the first response's interest
are satisfied (or one endorsement per ``endorsing_organizations`` entry). Every payload must be
byte-identical to the first. Submit broadcasts to the channel's orderers in random order.
"""

from __future__ import annotations

import asyncio
import functools
import random
from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc
from fabric_protos.common import common_pb2
from fabric_protos.gateway import gateway_pb2, gateway_pb2_grpc
from fabric_protos.peer import chaincode_pb2, proposal_pb2, proposal_response_pb2
from google.protobuf.message import DecodeError

from gateway.client.transaction import prepare_envelope
from network.devnet.endorser.definitions import DefinitionCache
from network.devnet.gatewaysvc import plan
from network.devnet.gatewaysvc.broadcaster import OrdererStream
from network.devnet.gatewaysvc.endorsers import EndorserTarget
from network.devnet.gatewaysvc.errors import GatewayError, classify, unary
from network.devnet.gatewaysvc.events import block_events, start_block
from network.devnet.node.grpcserver import client_channel
from network.devnet.policy import SignedData

ENDORSE_TIMEOUT = 30.0
BROADCAST_TIMEOUT = 30.0
INVALID = grpc.StatusCode.INVALID_ARGUMENT


def endpoint_name(ep: Any) -> str:
    """``host:port`` as Fabric's ErrorDetail.address shows a peer (its endpoint, not the dialled IP)."""
    return f"{ep.host}:{ep.address.rsplit(':', 1)[-1]}"


def channel_and_chaincode(signed: proposal_pb2.SignedProposal) -> tuple[str, str, bool]:
    """``getChannelAndChaincodeFromSignedProposal``: (channel, chaincode, has transient data)."""
    try:
        prop = proposal_pb2.Proposal.FromString(signed.proposal_bytes)
        hdr = common_pb2.Header.FromString(prop.header)
        chdr = common_pb2.ChannelHeader.FromString(hdr.channel_header)
        cpp = proposal_pb2.ChaincodeProposalPayload.FromString(prop.payload)
        cis = chaincode_pb2.ChaincodeInvocationSpec.FromString(cpp.input)
    except DecodeError as exc:
        raise GatewayError(INVALID, f"failed to unpack transaction proposal: {exc}") from exc
    if not cis.chaincode_spec.chaincode_id.name:
        raise GatewayError(INVALID, "no chaincode specified")
    return chdr.channel_id, cis.chaincode_spec.chaincode_id.name, bool(cpp.TransientMap)


class GatewayService(gateway_pb2_grpc.GatewayServicer):
    def __init__(self, mspid: str, local: Any, channels: Callable[[str], Any],
                 peers: Callable[[], list[Any]], orderers: Callable[[str], list[Any]],
                 local_address: str = "local") -> None:
        """``local``: this peer's Endorser; ``peers()``: other peers' endpoints (mspid, host, address,
        tls_root_cert); ``orderers(channel)``: the channel's orderer endpoints."""
        self.mspid = mspid
        self.local = EndorserTarget(mspid, local_address, local=local)
        self.channels = channels
        self._peers = peers  # not cached: a config update can add an org and its peers while the network runs
        self._orderers = functools.cache(orderers)
        self._remote: dict[str, EndorserTarget] = {}
        self._orderer_channels: dict[str, grpc.aio.Channel] = {}
        self._orderer_streams: dict[str, OrdererStream] = {}
        self._endorser_of_org: dict[str, bytes] = {}  # serialized identity each org's peer endorsed with last
        self._policies = plan.ChaincodePolicies(getattr(local, "definitions", None) or DefinitionCache())

    # -- helpers -------------------------------------------------------------------------------------
    def _channel(self, channel_id: str) -> Any:
        channel = self.channels(channel_id)
        if channel is None:
            raise GatewayError(grpc.StatusCode.NOT_FOUND, f"channel '{channel_id}' not found")
        return channel

    def _targets_by_org(self, channel: Any) -> dict[str, list[EndorserTarget]]:
        """Peers of the channel's orgs, own peer first in its org."""
        orgs = set(channel.bundle.application_orgs) | {o.mspid for o in channel.bundle.application_orgs.values()}
        out: dict[str, list[EndorserTarget]] = {self.mspid: [self.local]}
        for ep in self._peers():
            if ep.mspid not in orgs:
                continue
            target = self._remote.get(ep.address)
            if target is None:
                target = self._remote[ep.address] = EndorserTarget(ep.mspid, endpoint_name(ep), endpoint=ep)
            out.setdefault(ep.mspid, []).append(target)
        return out

    # -- Evaluate ------------------------------------------------------------------------------------
    async def Evaluate(self, request: gateway_pb2.EvaluateRequest,  # noqa: N802 - gRPC method name
                       context: grpc.aio.ServicerContext) -> gateway_pb2.EvaluateResponse:
        return await unary(self.evaluate(request), context)

    async def evaluate(self, request: gateway_pb2.EvaluateRequest) -> gateway_pb2.EvaluateResponse:
        if not request.HasField("proposed_transaction"):
            raise GatewayError(INVALID, "a signed proposal is required")
        channel_id, _, transient = channel_and_chaincode(request.proposed_transaction)
        by_org = self._targets_by_org(self._channel(channel_id))
        orgs = list(request.target_organizations) or ([self.mspid] if transient else list(by_org))
        candidates = [t for org in [self.mspid, *sorted(o for o in orgs if o != self.mspid)] if org in orgs
                      for t in by_org.get(org, [])]
        details = []
        code = grpc.StatusCode.UNAVAILABLE
        for target in candidates:
            response, error = await target.process(request.proposed_transaction, ENDORSE_TIMEOUT)
            failure = classify(target.address, target.mspid, response, error, target.last_error_code)
            if failure is None:
                assert response is not None
                return gateway_pb2.EvaluateResponse(result=response.response)
            details.append(failure.detail)
            code = failure.code
            if not failure.retryable:
                break
        raise GatewayError(code, "failed to evaluate transaction, see attached details for more info", details)

    # -- Endorse -------------------------------------------------------------------------------------
    async def Endorse(self, request: gateway_pb2.EndorseRequest,  # noqa: N802
                      context: grpc.aio.ServicerContext) -> gateway_pb2.EndorseResponse:
        return await unary(self.endorse(request), context)

    async def _first_success(self, targets: list[EndorserTarget], signed: proposal_pb2.SignedProposal,
                             details: list[gateway_pb2.ErrorDetail],
                             must_match: bytes | None = None) -> proposal_response_pb2.ProposalResponse | None:
        """Try an org's peers in turn; a retryable failure moves on to the next peer."""
        for target in targets:
            response, error = await target.process(signed, ENDORSE_TIMEOUT)
            failure = classify(target.address, target.mspid, response, error, target.last_error_code)
            if failure is not None:
                details.append(failure.detail)
                if not failure.retryable:
                    raise GatewayError(grpc.StatusCode.ABORTED,
                                       "failed to endorse transaction, see attached details for more info", details)
                continue
            assert response is not None
            if must_match is not None and response.payload != must_match:
                details.append(gateway_pb2.ErrorDetail(address=target.address, msp_id=target.mspid,
                                                       message="ProposalResponsePayloads do not match"))
                continue
            return response
        return None

    async def endorse(self, request: gateway_pb2.EndorseRequest) -> gateway_pb2.EndorseResponse:
        if not request.HasField("proposed_transaction"):
            raise GatewayError(INVALID, "the proposed transaction must contain a signed proposal")
        signed = request.proposed_transaction
        channel_id, cc_name, transient = channel_and_chaincode(signed)
        channel = self._channel(channel_id)
        by_org = self._targets_by_org(channel)
        details: list[gateway_pb2.ErrorDetail] = []
        if request.endorsing_organizations:
            responses = await self._endorse_on_orgs(list(request.endorsing_organizations), by_org, signed, details)
        else:
            first = await self._first_success(by_org.get(self.mspid, []), signed, details)
            if first is None:
                code = grpc.StatusCode.FAILED_PRECONDITION if transient else grpc.StatusCode.ABORTED
                raise GatewayError(code, "failed to endorse transaction, see attached details for more info", details)
            policies = plan.required_policies(
                channel.bundle, channel.ledger, cc_name, first,
                functools.partial(self._policies.policy, channel_id, channel.bundle, channel.ledger))
            responses = [first]
            others = sorted(o for o in by_org if o != self.mspid)
            together = plan.orgs_to_ask_together(policies, responses, others, self._endorser_of_org,
                                                 channel.bundle.msp_manager)
            # the layout is known: ask its orgs concurrently (one org needs no gather and no extra task)
            asks = [self._first_success(by_org[org], signed, details, must_match=first.payload) for org in together]
            extras = [await asks[0]] if len(asks) == 1 else await asyncio.gather(*asks)
            for org, extra in zip(together, extras, strict=True):
                if extra is not None:
                    responses.append(extra)
                    self._endorser_of_org[org] = extra.endorsement.endorser
            for org in (o for o in others if o not in together):
                if plan.satisfied(policies, responses, channel.bundle.msp_manager):
                    break
                extra = await self._first_success(by_org[org], signed, details, must_match=first.payload)
                if extra is not None:
                    responses.append(extra)
                    self._endorser_of_org[org] = extra.endorsement.endorser
            if not plan.satisfied(policies, responses, channel.bundle.msp_manager):
                raise GatewayError(grpc.StatusCode.ABORTED, "failed to collect enough transaction endorsements, see "
                                                            "attached details for more info", details)
        return gateway_pb2.EndorseResponse(prepared_transaction=prepare_envelope(signed, responses))

    async def _endorse_on_orgs(self, orgs: list[str], by_org: dict[str, list[EndorserTarget]],
                               signed: proposal_pb2.SignedProposal, details: list[gateway_pb2.ErrorDetail],
                               ) -> list[proposal_response_pb2.ProposalResponse]:
        """``planForOrgs``: one endorsement from each listed org, all payloads identical."""
        responses: list[proposal_response_pb2.ProposalResponse] = []
        for org in orgs:
            if org not in by_org:
                details.append(gateway_pb2.ErrorDetail(msp_id=org, message="no peers available for org"))
                raise GatewayError(grpc.StatusCode.UNAVAILABLE, f"no peers available to evaluate chaincode in "
                                                                f"organization {org}", details)
            match = responses[0].payload if responses else None
            response = await self._first_success(by_org[org], signed, details, must_match=match)
            if response is None:
                raise GatewayError(grpc.StatusCode.ABORTED, "failed to collect enough transaction endorsements, "
                                                            "see attached details for more info", details)
            responses.append(response)
        return responses

    # -- Submit --------------------------------------------------------------------------------------
    async def Submit(self, request: gateway_pb2.SubmitRequest,  # noqa: N802
                     context: grpc.aio.ServicerContext) -> gateway_pb2.SubmitResponse:
        return await unary(self.submit(request), context)

    async def submit(self, request: gateway_pb2.SubmitRequest) -> gateway_pb2.SubmitResponse:
        if not request.HasField("prepared_transaction") or not request.prepared_transaction.payload:
            raise GatewayError(INVALID, "a signed prepared transaction is required")
        if not request.prepared_transaction.signature:
            raise GatewayError(INVALID, "prepared transaction must be signed")
        orderers = list(self._orderers(request.channel_id))
        random.shuffle(orderers)
        details = []
        for ep in orderers:
            try:
                status, info = await self._orderer_stream(ep).send(request.prepared_transaction, BROADCAST_TIMEOUT)
            except grpc.aio.AioRpcError as exc:
                await self._drop_orderer(ep)
                details.append(gateway_pb2.ErrorDetail(address=endpoint_name(ep), msp_id=ep.mspid,
                                                       message=f"rpc error: {exc.code().name}: {exc.details()}"))
                continue
            if status == common_pb2.SUCCESS:
                return gateway_pb2.SubmitResponse()
            detail = gateway_pb2.ErrorDetail(address=endpoint_name(ep), msp_id=ep.mspid,
                                             message=f"received unsuccessful response from orderer: status="
                                                     f"{common_pb2.Status.Name(status)}, info={info}")
            details.append(detail)
            if 400 <= status < 500:
                raise GatewayError(grpc.StatusCode.ABORTED, "received unsuccessful response from orderer: "
                                   f"status={common_pb2.Status.Name(status)}, info={info}", details)
        raise GatewayError(grpc.StatusCode.UNAVAILABLE, "no orderers could successfully process transaction", details)

    def _orderer_channel(self, ep: Any) -> grpc.aio.Channel:
        """One TLS connection per orderer, reused across submits (dropped on failure)."""
        channel = self._orderer_channels.get(ep.address)
        if channel is None:
            channel = self._orderer_channels[ep.address] = client_channel(ep.address, ep.tls_root_cert, ep.host)
        return channel

    def _orderer_stream(self, ep: Any) -> OrdererStream:
        """One long-lived Broadcast stream per orderer, shared by all submits (re-opened after a failure)."""
        stream = self._orderer_streams.get(ep.address)
        if stream is None:
            stream = self._orderer_streams[ep.address] = OrdererStream(self._orderer_channel(ep))
        return stream

    async def _drop_orderer(self, ep: Any) -> None:
        stream = self._orderer_streams.pop(ep.address, None)
        if stream is not None:
            await stream.close()
        channel = self._orderer_channels.pop(ep.address, None)
        if channel is not None:
            await channel.close()

    # -- CommitStatus --------------------------------------------------------------------------------
    async def CommitStatus(self, request: gateway_pb2.SignedCommitStatusRequest,  # noqa: N802
                           context: grpc.aio.ServicerContext) -> gateway_pb2.CommitStatusResponse:
        return await unary(self.commit_status(request), context)

    def _authorize(self, channel: Any, resource: str, data: bytes, identity: bytes, signature: bytes) -> None:
        policy = channel.bundle.acl_policy(resource)
        if not channel.bundle.policy(policy).evaluate([SignedData(data, identity, signature)]):
            raise GatewayError(grpc.StatusCode.PERMISSION_DENIED, f"failed evaluating policy on signed data during "
                                                                  f"check policy [{policy}]")

    async def commit_status(self, request: gateway_pb2.SignedCommitStatusRequest) -> gateway_pb2.CommitStatusResponse:
        try:
            req = gateway_pb2.CommitStatusRequest.FromString(request.request)
        except DecodeError as exc:
            raise GatewayError(INVALID, f"failed to unmarshal request: {exc}") from exc
        for field in ("identity", "channel_id", "transaction_id"):
            if not getattr(req, field):
                raise GatewayError(INVALID, f"{field} must be specified")
        channel = self._channel(req.channel_id)
        self._authorize(channel, "gateway/CommitStatus", request.request, req.identity, request.signature)
        code, block_number = await channel.wait_for_commit(req.transaction_id)
        return gateway_pb2.CommitStatusResponse(result=code, block_number=block_number)

    # -- ChaincodeEvents -----------------------------------------------------------------------------
    async def ChaincodeEvents(self, request: gateway_pb2.SignedChaincodeEventsRequest,  # noqa: N802
                              context: grpc.aio.ServicerContext) -> AsyncIterator[gateway_pb2.ChaincodeEventsResponse]:
        try:
            async for response in self.chaincode_events(request):
                yield response
        except GatewayError as exc:
            await exc.abort(context)

    async def chaincode_events(self, request: gateway_pb2.SignedChaincodeEventsRequest,
                               ) -> AsyncIterator[gateway_pb2.ChaincodeEventsResponse]:
        try:
            req = gateway_pb2.ChaincodeEventsRequest.FromString(request.request)
        except DecodeError as exc:
            raise GatewayError(INVALID, f"failed to unmarshal request: {exc}") from exc
        if not req.channel_id or not req.chaincode_id:
            raise GatewayError(INVALID, "channel_id and chaincode_id must be specified")
        channel = self._channel(req.channel_id)
        self._authorize(channel, "gateway/ChaincodeEvents", request.request, req.identity, request.signature)
        number, after = start_block(channel.ledger, req.start_position, req.after_transaction_id)
        while True:
            await channel.wait_for_height(number + 1)
            block = channel.get_block(number)
            events = block_events(block, req.chaincode_id, after)
            after = ""
            if events:
                yield gateway_pb2.ChaincodeEventsResponse(events=events, block_number=number)
            number += 1

