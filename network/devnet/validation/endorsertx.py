"""Rules of one endorser transaction after its envelope checks (``core/committer/txvalidator/v20/
plugindispatcher/dispatcher.go`` ``Dispatch``, the v20 validation plugin), each failure with Fabric's code.

Order, as in Fabric: duplicate txid in the ledger; chaincode action decoding; invoked chaincode and its
event; then the endorsement policy of the invoked namespace and of every namespace the transaction writes.
Decoding is split from judging (:func:`decode_chaincode_action` may run ahead for a whole block so its
reads can be fetched together) but a decoding failure is reported at its place in this order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fabric_protos.peer import chaincode_event_pb2, proposal_pb2, proposal_response_pb2, transaction_pb2
from google.protobuf.message import DecodeError

from network.devnet.channelconfig import ChannelBundle
from network.devnet.ledger.parsedrwset import NamespaceRWSet, ParsedRWSet, parse_rwset_bytes
from network.devnet.validation import codes
from network.devnet.validation.definitions import (
    DEFAULT_VALIDATION_PLUGIN,
    ChaincodeValidation,
    DefinitionError,
    namespace_validation,
)
from network.devnet.validation.endorsement import (
    MetadataKey,
    endorsement_signature_set,
    validate_namespace_endorsement,
)
from network.devnet.validation.envelope import CheckedEnvelope, EndorserTxParts, Invalid
from network.devnet.validation.stateview import BlockStateView


@dataclass(frozen=True)
class ChaincodeActionParts:
    header_extension: proposal_pb2.ChaincodeHeaderExtension
    action: proposal_pb2.ChaincodeAction
    prp_bytes: bytes
    endorsements: list[proposal_response_pb2.Endorsement]
    rwset: ParsedRWSet


@dataclass
class BlockContext:
    """What the rules of one block share: the channel's config, committed state as of the block, the keys
    whose metadata earlier valid transactions changed, and each namespace's definition, looked up once per
    block (it is read from committed state, which does not change while the block is validated)."""

    bundle: ChannelBundle
    state: BlockStateView
    metadata_updated: set[MetadataKey] = field(default_factory=set)
    definitions: dict[str, ChaincodeValidation | DefinitionError] = field(default_factory=dict)

    def definition(self, ns: str) -> ChaincodeValidation:
        found = self.definitions.get(ns)
        if found is None:
            try:
                found = namespace_validation(ns, self.bundle, self.state)
            except DefinitionError as exc:
                found = exc
            self.definitions[ns] = found
        if isinstance(found, DefinitionError):
            raise found
        return found


def decode_chaincode_action(checked: CheckedEnvelope) -> ChaincodeActionParts:
    """Header extension, ChaincodeAction and rwset, each failure with its dispatcher code."""
    try:
        ext = proposal_pb2.ChaincodeHeaderExtension.FromString(checked.channel_header.extension)
    except DecodeError as exc:
        raise Invalid(codes.BAD_HEADER_EXTENSION, f"channel_header.extension: {exc}") from exc
    try:
        parts = checked.endorser if checked.endorser is not None else _decode_endorser_parts(checked)
        prp_bytes = parts.action_payload.action.proposal_response_payload
        action = proposal_pb2.ChaincodeAction.FromString(parts.response_payload.extension)
    except (DecodeError, IndexError) as exc:
        raise Invalid(codes.BAD_RESPONSE_PAYLOAD, f"chaincode action: {exc}") from exc
    try:
        rwset = parse_rwset_bytes(action.results)
    except DecodeError as exc:
        raise Invalid(codes.BAD_RWSET, f"action.results: {exc}") from exc
    return ChaincodeActionParts(ext, action, prp_bytes, list(parts.action_payload.action.endorsements), rwset)


def _decode_endorser_parts(checked: CheckedEnvelope) -> EndorserTxParts:
    tx = transaction_pb2.Transaction.FromString(checked.payload.data)
    cap = transaction_pb2.ChaincodeActionPayload.FromString(tx.actions[0].payload)
    prp = proposal_response_pb2.ProposalResponsePayload.FromString(cap.action.proposal_response_payload)
    return EndorserTxParts(tx, cap, prp)


def invoked_chaincode(parts: ChaincodeActionParts) -> str:
    """The chaincode named by the header must be the one that produced the action, with a version."""
    if not parts.header_extension.HasField("chaincode_id"):
        raise Invalid(codes.INVALID_OTHER_REASON, "header extension: nil chaincode_id")
    if not parts.action.HasField("chaincode_id"):
        raise Invalid(codes.INVALID_OTHER_REASON, "chaincode action: nil chaincode_id")
    name = parts.header_extension.chaincode_id.name
    if not name:
        raise Invalid(codes.INVALID_CHAINCODE, "header extension: empty chaincode name")
    if name != parts.action.chaincode_id.name:
        raise Invalid(codes.INVALID_CHAINCODE, f"inconsistent chaincode ids ({name}/{parts.action.chaincode_id.name})")
    if not parts.action.chaincode_id.version:
        raise Invalid(codes.INVALID_CHAINCODE, "chaincode action: empty chaincode version")
    return name


def check_event(parts: ChaincodeActionParts, chaincode: str) -> None:
    """A chaincode event must name the invoked chaincode."""
    if not parts.action.events:
        return
    try:
        event = chaincode_event_pb2.ChaincodeEvent.FromString(parts.action.events)
    except DecodeError as exc:
        raise Invalid(codes.INVALID_OTHER_REASON, f"chaincode event: {exc}") from exc
    if event.chaincode_id != chaincode:
        raise Invalid(codes.INVALID_OTHER_REASON, "chaincode event chaincode id does not match the action's")


def writes_to_namespace(ns_set: NamespaceRWSet) -> bool:
    """``txWritesToNamespace``: public writes/metadata writes or hashed writes/metadata writes."""
    if ns_set.kv.writes or ns_set.kv.metadata_writes:
        return True
    return any(coll.hashed.hashed_writes or coll.hashed.metadata_writes for coll in ns_set.collections)


def namespaces_to_validate(parts: ChaincodeActionParts, chaincode: str) -> list[str]:
    """The invoked chaincode plus every written namespace; a namespace twice is an ILLEGAL_WRITESET."""
    seen: set[str] = set()
    out = [chaincode]
    for ns_set in parts.rwset.namespaces:
        if ns_set.namespace in seen:
            raise Invalid(codes.ILLEGAL_WRITESET, f"duplicate namespace '{ns_set.namespace}' in rwset")
        seen.add(ns_set.namespace)
        if writes_to_namespace(ns_set) and ns_set.namespace not in out:
            out.append(ns_set.namespace)
    return out


def validate_endorser_tx(
    checked: CheckedEnvelope, decoded: ChaincodeActionParts | Invalid, ctx: BlockContext
) -> ParsedRWSet:
    """Dispatcher + v20 validation plugin for one endorser transaction; raises Invalid.

    ``decoded`` is :func:`decode_chaincode_action`'s outcome for this transaction, computed ahead."""
    if ctx.state.txid_exists(checked.channel_header.tx_id):
        raise Invalid(codes.DUPLICATE_TXID, f"txid {checked.channel_header.tx_id} already in the ledger")
    if isinstance(decoded, Invalid):
        raise decoded
    parts = decoded
    chaincode = invoked_chaincode(parts)
    check_event(parts, chaincode)
    signed = endorsement_signature_set(parts.prp_bytes, parts.endorsements)
    for ns in namespaces_to_validate(parts, chaincode):
        try:
            definition = ctx.definition(ns)
        except DefinitionError as exc:
            raise Invalid(codes.INVALID_CHAINCODE, str(exc)) from exc
        if definition.validation_plugin != DEFAULT_VALIDATION_PLUGIN:
            raise Invalid(codes.INVALID_OTHER_REASON, f"validation plugin {definition.validation_plugin!r} not found")
        validate_namespace_endorsement(ns, parts.rwset, definition, signed, ctx.bundle, ctx.state, ctx.metadata_updated)
    return parts.rwset
