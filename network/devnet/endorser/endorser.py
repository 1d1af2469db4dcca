"""``Endorser.ProcessProposal`` (``core/endorser/endorser.go``) for one peer.

Order: auth filters (expiration, time window) -> unpack -> channel lookup ("channel '...' not found" is a
status-500 response with no gRPC error) -> validate (header, txid, creator, signature) -> duplicate txid ->
ACL ``peer/Propose`` (application chaincodes only) -> simulate -> response by status. Failures before
simulation are gRPC errors; failures during simulation are status-500 responses.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from fabric_protos.msp import msp_principal_pb2
from fabric_protos.peer import chaincode_pb2, chaincode_shim_pb2, proposal_pb2, proposal_response_pb2

from gateway.client.identity import Identity, Signer
from network.devnet.chaincode.handler import RequestError, TransactionContext
from network.devnet.chaincode.runtime import INITIALIZED_KEY, ChaincodeRuntime, ExecutionError, check_init
from network.devnet.chaincode.simulator import SimulationError, TxSimulator
from network.devnet.channelconfig.acls import resolve_acl
from network.devnet.endorser import proposal as checks
from network.devnet.endorser.definitions import DefinitionCache, sequence_key
from network.devnet.endorser.qscc import invoke_cscc, invoke_qscc
from network.devnet.endorser.response import (
    ERROR_THRESHOLD,
    SYSTEM_CHAINCODES,
    build_proposal_response,
    chaincode_interest,
    error_response,
    proposal_response_payload,
)
from network.devnet.lifecycle import serializer as ser
from network.devnet.lifecycle.definition import ChaincodeDefinition
from network.devnet.lifecycle.scc import Invocation, LifecycleSCC
from network.devnet.node import jsonlog
from network.devnet.policy import SignedData

log = logging.getLogger("devnet.endorser")
Msg = chaincode_shim_pb2.ChaincodeMessage
SYSCC_VERSION = "syscc"


class EndorsementFailure(Exception):
    """Simulation failed: answered as status 500 with this message and no gRPC error."""


@dataclass(frozen=True)
class Outcome:
    """``ProposalResponse`` plus the gRPC error text a Fabric peer would return alongside (None = OK)."""

    response: proposal_response_pb2.ProposalResponse
    grpc_error: str | None = None


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def admin_principal(mspid: str) -> msp_principal_pb2.MSPPrincipal:
    role = msp_principal_pb2.MSPRole(msp_identifier=mspid, role=msp_principal_pb2.MSPRole.ADMIN)
    return msp_principal_pb2.MSPPrincipal(principal_classification=msp_principal_pb2.MSPPrincipal.ROLE,
                                          principal=role.SerializeToString())


class Endorser:
    def __init__(self, mspid: str, identity: Identity, signer: Signer, channels: Callable[[str], Any],
                 all_channels: Callable[[], Iterable[Any]], lifecycle: LifecycleSCC, runtime: ChaincodeRuntime,
                 local_msp: Any = None, now: Callable[[], dt.datetime] = utcnow,
                 time_window: dt.timedelta = checks.DEFAULT_TIME_WINDOW) -> None:
        self.mspid = mspid
        self.identity = identity
        self.endorser_bytes = identity.serialize()
        self.signer = signer
        self.channels = channels
        self.all_channels = all_channels
        self.lifecycle = lifecycle
        self.runtime = runtime
        self._local_msp = local_msp
        self.now = now
        self.time_window = time_window
        self.definitions = DefinitionCache()
        self._installed: set[str] = set()

    # -- identities ----------------------------------------------------------------------------------
    def local_msp(self) -> Any:
        """The peer's own-org MSP. Without a separately loaded local MSP, the org's MSP definition from a
        channel config is used (same CA material as the local ``msp/`` folder)."""
        if self._local_msp is not None and hasattr(self._local_msp, "deserialize_identity"):
            return self._local_msp
        for channel in self.all_channels():
            msps = channel.bundle.msp_manager.msps
            if self.mspid in msps:
                return msps[self.mspid]
        raise checks.ProposalError(f"local MSP {self.mspid} is not available")

    def check_local(self, signed: SignedData, policy: str) -> None:
        """p-resources: ``Admins`` (admin of this peer's org) or ``Members`` (any valid member), with a
        verifying signature (``CheckPolicyNoChannel``)."""
        where = f"during channelless check policy with policy [{policy}]"
        try:
            ident = self.local_msp().deserialize_identity(signed.identity)
            ident.validate()
        except Exception as exc:
            raise PermissionError(f"Failed deserializing proposal creator {where}: [{exc}]") from exc
        if policy == "Admins" and not ident.satisfies_principal(admin_principal(self.mspid)):
            raise PermissionError(f"Failed verifying that proposal's creator satisfies local MSP principal {where}: "
                                  f"[The identity is not an admin under this MSP [{self.mspid}]]")
        if not ident.verify(signed.data, signed.signature):
            raise PermissionError(f"Failed verifying that proposal's creator satisfies local MSP principal {where}: "
                                  f"[signature invalid]")

    def check_acl(self, bundle: Any, resource: str, signed: SignedData) -> None:
        policy = bundle.acl_policy(resource) if bundle is not None else resolve_acl(resource, {})
        if not policy.startswith("/"):
            self.check_local(signed, policy)
            return
        if bundle is None:
            raise PermissionError(f"resource {resource} is checked against a channel policy, but no channel given")
        if not bundle.policy(policy).evaluate([signed]):
            raise PermissionError(f"failed evaluating policy on signed data during check policy [{policy}]: "
                                  f"[signature set did not satisfy policy]")

    # -- ProcessProposal -----------------------------------------------------------------------------
    async def process_proposal(self, signed: proposal_pb2.SignedProposal) -> Outcome:
        now = self.now()
        try:
            parts = checks.DecodedProposal(signed)
            checks.check_expiration(parts, now)
            checks.check_time_window(parts, now, self.time_window)
            up = checks.unpack_proposal(parts)
        except checks.ProposalError as exc:
            return Outcome(error_response(str(exc)), str(exc))
        channel = self.channels(up.channel_id) if up.channel_id else None
        if up.channel_id and channel is None:
            return Outcome(error_response(f"channel '{up.channel_id}' not found"))
        try:
            deserializer = channel.bundle.msp_manager if channel is not None else self.local_msp()
            checks.validate_proposal(up, deserializer)
            if channel is not None:
                self._pre_process_channel(up, channel)
        except (checks.ProposalError, PermissionError) as exc:
            jsonlog.event(log, "proposal rejected", logging.WARNING, txid=up.txid, error=str(exc))
            return Outcome(error_response(str(exc)), str(exc))
        try:
            response = await self._simulate_and_endorse(up, channel)
        except EndorsementFailure as exc:
            jsonlog.event(log, "simulation failed", logging.INFO, txid=up.txid, error=str(exc))
            return Outcome(error_response(str(exc)))
        return Outcome(response)

    def _pre_process_channel(self, up: checks.UnpackedProposal, channel: Any) -> None:
        if channel.ledger.txid_status(up.txid) is not None:
            raise checks.ProposalError(f"duplicate transaction found [{up.txid}]. Creator [{up.creator.hex()}]")
        if up.chaincode_name not in SYSTEM_CHAINCODES:
            self.check_acl(channel.bundle, "peer/Propose",
                           SignedData(up.signed.proposal_bytes, up.creator, up.signed.signature))

    async def _simulate_and_endorse(self, up: checks.UnpackedProposal,
                                    channel: Any) -> proposal_response_pb2.ProposalResponse:
        sim = TxSimulator(channel.ledger, up.txid) if channel is not None else None
        event = None
        if up.chaincode_name == "_lifecycle":
            version = SYSCC_VERSION
            response = self._invoke_lifecycle(up, channel, sim)
        elif up.chaincode_name in ("qscc", "cscc"):
            version = SYSCC_VERSION
            sim = None  # acquireTxSimulator: qscc and cscc never simulate
            response = self._invoke_query_scc(up)
        elif up.chaincode_name in SYSTEM_CHAINCODES:
            raise EndorsementFailure(f"make sure the chaincode {up.chaincode_name} has been successfully defined "
                                     f"on channel {up.channel_id} and try again: system chaincode "
                                     f"{up.chaincode_name} is not available on this peer")
        else:
            if channel is None or sim is None:
                raise EndorsementFailure(f"chaincode {up.chaincode_name} cannot be invoked without a channel")
            definition = self._definition(channel, sim, up.chaincode_name)
            version = definition.parameters.version
            response, event = await self._execute(up, channel, sim, definition)
        results = b""
        interest = None
        if sim is not None:
            sim_results = sim.build()
            results = sim_results.public.SerializeToString()

            def metadata(ns: str, key: str) -> dict[str, bytes]:
                committed = channel.ledger.get_state(ns, key)
                return dict(committed.metadata) if committed is not None else {}

            interest = chaincode_interest(sim_results.public, metadata)
        if response.status >= ERROR_THRESHOLD:
            event = None
        prp = proposal_response_payload(up.proposal_hash, response, results, event, up.chaincode_name, version)
        out = build_proposal_response(response, prp, interest, self.endorser_bytes, self.signer, up.channel_id)
        if channel is not None and out.HasField("endorsement"):
            self._remember_endorsement(channel, out.payload, out.endorsement)
        return out

    def _remember_endorsement(self, channel: Any, prp: bytes, endorsement: proposal_response_pb2.Endorsement) -> None:
        """Tell the channel's MSP that this endorsement signature verifies (we just made it with our own key),
        so validating the transaction on this peer later skips the curve arithmetic for it
        (``MSPIdentity.remember_own_signature``)."""
        try:
            identity = channel.bundle.msp_manager.deserialize_identity(endorsement.endorser)
        except Exception:  # our own identity not in this channel's MSPs: validation will say so, not us
            return
        identity.remember_own_signature(prp + endorsement.endorser, endorsement.signature)

    def _invoke_lifecycle(self, up: checks.UnpackedProposal, channel: Any,
                          sim: TxSimulator | None) -> proposal_response_pb2.Response:
        signed = SignedData(up.signed.proposal_bytes, up.creator, up.signed.signature)
        bundle = channel.bundle if channel is not None else None
        inv = Invocation(channel_id=up.channel_id, simulator=sim, ledger=channel.ledger if channel else None,
                         org_mspids=list(bundle.application_orgs) if bundle is not None else [],
                         authorize=lambda resource: self.check_acl(bundle, resource, signed),
                         lifecycle_v20=bool(getattr(bundle, "lifecycle_v20", True)) if bundle is not None else True,
                         channels=lambda: [(c.channel_id, c.ledger) for c in self.all_channels()])
        return self.lifecycle.invoke(inv, list(up.input.args))

    def _invoke_query_scc(self, up: checks.UnpackedProposal) -> proposal_response_pb2.Response:
        signed = SignedData(up.signed.proposal_bytes, up.creator, up.signed.signature)

        def authorize(bundle: Any, resource: str) -> None:
            self.check_acl(bundle, resource, signed)

        args = list(up.input.args)
        if up.chaincode_name == "qscc":
            return invoke_qscc(args, self.channels, authorize)
        return invoke_cscc(args, self.channels, self.all_channels, authorize)

    def _definition(self, channel: Any, sim: TxSimulator, name: str) -> ChaincodeDefinition:
        """``ChaincodeEndorsementInfo``: the Sequence key is read through the simulator so a concurrent
        redefinition invalidates the transaction (MVCC); the rest comes from the definition cache."""
        sequence = sim.get_committed(ser.LIFECYCLE_NS, sequence_key(name))
        definition = self.definitions.definition(channel.channel_id, channel.ledger, name, sequence)
        if definition is None:
            raise EndorsementFailure(f"make sure the chaincode {name} has been successfully defined on channel "
                                     f"{channel.channel_id} and try again: chaincode {name} not found")
        return definition

    def _package_for(self, channel: Any, name: str, definition: ChaincodeDefinition) -> str:
        """The approved package, if installed. Packages found installed are remembered, as Fabric's lifecycle
        cache keeps its installed chaincodes in memory (``cache.go`` ``localChaincodes``): an installed
        package is never removed (there is no uninstall), so the answer cannot change back."""
        package_id = self.lifecycle.local_package_id(channel.ledger, name, definition.sequence)
        if package_id and package_id not in self._installed and self.lifecycle.packages.has(package_id):
            self._installed.add(package_id)
        if not package_id or package_id not in self._installed:
            raise ExecutionError(f"chaincode definition for '{name}' exists, but chaincode is not installed")
        return package_id

    def _message_type(self, sim: TxSimulator, name: str, definition: ChaincodeDefinition, is_init: bool) -> int:
        params = definition.parameters
        initialized = sim.get_state(name, INITIALIZED_KEY) if params.init_required else None
        msg_type = check_init(params.init_required, initialized, params.version, is_init)
        if msg_type == Msg.INIT:
            sim.set_state(name, INITIALIZED_KEY, params.version.encode())
        return msg_type

    async def _execute(self, up: checks.UnpackedProposal, channel: Any, sim: TxSimulator,
                       definition: ChaincodeDefinition) -> tuple[proposal_response_pb2.Response, Any]:
        name = up.chaincode_name
        try:
            package_id = self._package_for(channel, name, definition)
            msg_type = self._message_type(sim, name, definition, up.input.is_init)
            ctx = TransactionContext(channel_id=up.channel_id, txid=up.txid, namespace=name, simulator=sim,
                                     signed_proposal=up.signed, invoke=self._cc2cc(up, channel, sim))
            execution = await self.runtime.execute(package_id, ctx, up.input, msg_type)
        except (ExecutionError, SimulationError) as exc:
            raise EndorsementFailure(f"error in simulation: {exc}") from exc
        return execution.response, execution.event

    def _cc2cc(self, up: checks.UnpackedProposal, channel: Any, sim: TxSimulator):  # type: ignore[no-untyped-def]
        """``HandleInvokeChaincode``: same channel shares the simulator; ACL peer/ChaincodeToChaincode."""

        async def invoke(name: str, channel_id: str, cc_input: chaincode_pb2.ChaincodeInput) -> Msg:
            if channel_id != up.channel_id:
                raise RequestError(f"cross-channel invocation of {name} on {channel_id} is not supported")
            if name in SYSTEM_CHAINCODES:
                raise RequestError(f"system chaincode {name} cannot be invoked with a cc2cc invocation")
            try:
                self.check_acl(channel.bundle, "peer/ChaincodeToChaincode",
                               SignedData(up.signed.proposal_bytes, up.creator, up.signed.signature))
            except PermissionError as exc:
                raise RequestError(str(exc)) from exc
            try:
                definition = self._definition(channel, sim, name)
                package_id = self._package_for(channel, name, definition)
                msg_type = self._message_type(sim, name, definition, cc_input.is_init)
            except (EndorsementFailure, ExecutionError) as exc:
                raise RequestError(str(exc)) from exc
            ctx = TransactionContext(channel_id=up.channel_id, txid=up.txid, namespace=name, simulator=sim,
                                     signed_proposal=up.signed, invoke=invoke)
            try:
                return await self.runtime.execute_raw(package_id, ctx, cc_input, msg_type)
            except ExecutionError as exc:
                raise RequestError(f"execute failed: {exc}") from exc

        return invoke
