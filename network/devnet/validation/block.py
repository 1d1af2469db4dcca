"""Validating a block: one TxValidationCode per transaction (``core/committer/txvalidator/v20/validator.go``
``Validate``/``validateTx``, ``plugindispatcher/dispatcher.go`` ``Dispatch``, then the ledger's MVCC pass).

Order, as in Fabric: structural checks and creator signature; channel; duplicate txid in the ledger;
chaincode action decoding and namespace checks; endorsement policies per invoked/written namespace;
duplicate txid earlier in the block; finally MVCC and phantom checks against committed state plus the
updates of the earlier valid transactions.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from fabric_protos.common import common_pb2, configtx_pb2
from fabric_protos.ledger.rwset import rwset_pb2
from fabric_protos.ledger.rwset.kvrwset import kv_rwset_pb2
from fabric_protos.peer import chaincode_event_pb2, proposal_pb2, proposal_response_pb2, transaction_pb2
from google.protobuf.message import DecodeError

from network.devnet.channelconfig import ChannelBundle, ConfigError, bundle_from_config
from network.devnet.channelconfig.update import ConfigUpdateError, validate_config_envelope
from network.devnet.ledger.updates import UpdateBatch, apply_tx_rwset
from network.devnet.ledger.version import Version, VersionedValue
from network.devnet.validation import codes
from network.devnet.validation.definitions import DEFAULT_VALIDATION_PLUGIN, DefinitionError, namespace_validation
from network.devnet.validation.endorsement import (
    MetadataKey,
    endorsement_signature_set,
    metadata_keys_written,
    validate_namespace_endorsement,
)
from network.devnet.validation.envelope import CheckedEnvelope, Invalid, validate_transaction
from network.devnet.validation.mvcc import mvcc_code
from network.devnet.validation.stateview import BlockStateView

HT = common_pb2.HeaderType
log = logging.getLogger("devnet.validation")


class BlockValidationError(Exception):
    """The block cannot be validated at all (Fabric panics the committer in these cases)."""


class LedgerView(Protocol):
    def get_state(self, ns: str, key: str) -> VersionedValue | None: ...

    def get_private_hash(self, ns: str, collection: str, key_hash: bytes) -> VersionedValue | None: ...

    def range(self, ns: str, start_key: str, end_key: str) -> Iterator[tuple[str, VersionedValue]]: ...

    def txid_exists(self, txid: str) -> bool: ...


@dataclass
class TxResult:
    code: int
    reason: str = ""
    txid: str = ""
    rwset: rwset_pb2.TxReadWriteSet | None = None


@dataclass(frozen=True)
class ChaincodeActionParts:
    header_extension: proposal_pb2.ChaincodeHeaderExtension
    action: proposal_pb2.ChaincodeAction
    prp_bytes: bytes
    endorsements: list[proposal_response_pb2.Endorsement]
    rwset: rwset_pb2.TxReadWriteSet


def decode_chaincode_action(checked: CheckedEnvelope) -> ChaincodeActionParts:
    """Header extension, ChaincodeAction and rwset, each failure with its dispatcher code."""
    try:
        ext = proposal_pb2.ChaincodeHeaderExtension.FromString(checked.channel_header.extension)
    except DecodeError as exc:
        raise Invalid(codes.BAD_HEADER_EXTENSION, f"channel_header.extension: {exc}") from exc
    try:
        tx = transaction_pb2.Transaction.FromString(checked.payload.data)
        cap = transaction_pb2.ChaincodeActionPayload.FromString(tx.actions[0].payload)
        prp_bytes = cap.action.proposal_response_payload
        prp = proposal_response_pb2.ProposalResponsePayload.FromString(prp_bytes)
        action = proposal_pb2.ChaincodeAction.FromString(prp.extension)
    except (DecodeError, IndexError) as exc:
        raise Invalid(codes.BAD_RESPONSE_PAYLOAD, f"chaincode action: {exc}") from exc
    try:
        rwset = rwset_pb2.TxReadWriteSet.FromString(action.results)
        for ns_set in rwset.ns_rwset:
            kv_rwset_pb2.KVRWSet.FromString(ns_set.rwset)
            for coll in ns_set.collection_hashed_rwset:
                kv_rwset_pb2.HashedRWSet.FromString(coll.hashed_rwset)
    except DecodeError as exc:
        raise Invalid(codes.BAD_RWSET, f"action.results: {exc}") from exc
    return ChaincodeActionParts(ext, action, prp_bytes, list(cap.action.endorsements), rwset)


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


def writes_to_namespace(ns_set: rwset_pb2.NsReadWriteSet) -> bool:
    """``txWritesToNamespace``: public writes/metadata writes or hashed writes/metadata writes."""
    kv = kv_rwset_pb2.KVRWSet.FromString(ns_set.rwset)
    if kv.writes or kv.metadata_writes:
        return True
    for coll in ns_set.collection_hashed_rwset:
        hashed = kv_rwset_pb2.HashedRWSet.FromString(coll.hashed_rwset)
        if hashed.hashed_writes or hashed.metadata_writes:
            return True
    return False


def namespaces_to_validate(parts: ChaincodeActionParts, chaincode: str) -> list[str]:
    """The invoked chaincode plus every written namespace; a namespace twice is an ILLEGAL_WRITESET."""
    seen: set[str] = set()
    out = [chaincode]
    for ns_set in parts.rwset.ns_rwset:
        if ns_set.namespace in seen:
            raise Invalid(codes.ILLEGAL_WRITESET, f"duplicate namespace '{ns_set.namespace}' in rwset")
        seen.add(ns_set.namespace)
        if writes_to_namespace(ns_set) and ns_set.namespace not in out:
            out.append(ns_set.namespace)
    return out


def validate_endorser_tx(
    checked: CheckedEnvelope, bundle: ChannelBundle, ledger: LedgerView, metadata_updated: set[MetadataKey]
) -> rwset_pb2.TxReadWriteSet:
    """Dispatcher + v20 validation plugin for one endorser transaction; raises Invalid."""
    if ledger.txid_exists(checked.channel_header.tx_id):
        raise Invalid(codes.DUPLICATE_TXID, f"txid {checked.channel_header.tx_id} already in the ledger")
    parts = decode_chaincode_action(checked)
    chaincode = invoked_chaincode(parts)
    check_event(parts, chaincode)
    signed = endorsement_signature_set(parts.prp_bytes, parts.endorsements)
    for ns in namespaces_to_validate(parts, chaincode):
        try:
            definition = namespace_validation(ns, bundle, ledger)
        except DefinitionError as exc:
            raise Invalid(codes.INVALID_CHAINCODE, str(exc)) from exc
        if definition.validation_plugin != DEFAULT_VALIDATION_PLUGIN:
            raise Invalid(codes.INVALID_OTHER_REASON, f"validation plugin {definition.validation_plugin!r} not found")
        validate_namespace_endorsement(ns, parts.rwset, definition, signed, bundle, ledger, metadata_updated)
    return parts.rwset


def validate_config_tx(checked: CheckedEnvelope, bundle: ChannelBundle) -> None:
    """``ChannelResources.Apply``: the config must be the authorised result of its ``last_update`` at the
    next sequence and yield a usable bundle. Fabric's committer stops on failure, so this raises."""
    try:
        cfg_env = configtx_pb2.ConfigEnvelope.FromString(checked.payload.data)
        validate_config_envelope(bundle, cfg_env)
        bundle_from_config(bundle.channel_id, cfg_env.config)
    except (DecodeError, ConfigError, ConfigUpdateError) as exc:
        raise BlockValidationError(f"config transaction invalid: {exc}") from exc


def validate_one(
    data: bytes, bundle: ChannelBundle, ledger: LedgerView, metadata_updated: set[MetadataKey]
) -> TxResult:
    txid = ""
    try:
        checked = validate_transaction(data, bundle.msp_manager)
        txid = checked.channel_header.tx_id
        if checked.channel_header.channel_id != bundle.channel_id:
            raise Invalid(codes.TARGET_CHAIN_NOT_FOUND, f"channel {checked.channel_header.channel_id} not found")
        if checked.channel_header.type == HT.CONFIG:
            validate_config_tx(checked, bundle)
            return TxResult(codes.VALID, "config", "")
        rwset = validate_endorser_tx(checked, bundle, ledger, metadata_updated)
        metadata_updated.update(metadata_keys_written(rwset))
        return TxResult(codes.VALID, "", txid, rwset)
    except Invalid as exc:
        return TxResult(exc.code, str(exc), txid)


def mark_duplicate_txids(results: list[TxResult]) -> None:
    """``markTXIdDuplicates``: a later valid transaction reusing a valid one's txid is DUPLICATE_TXID."""
    seen: set[str] = set()
    for r in results:
        if r.code != codes.VALID or not r.txid:
            continue
        if r.txid in seen:
            r.code, r.reason = codes.DUPLICATE_TXID, f"txid {r.txid} appears earlier in the block"
        else:
            seen.add(r.txid)


def apply_mvcc(results: list[TxResult], block_num: int, ledger: LedgerView) -> UpdateBatch:
    """The ledger's ``validateAndPrepareBatch``: MVCC/phantom checks, then the tx's writes join the batch."""
    batch = UpdateBatch()
    for tx_num, r in enumerate(results):
        if r.code != codes.VALID or r.rwset is None:
            continue
        code = mvcc_code(r.rwset, batch, ledger)
        if code != codes.VALID:
            r.code, r.reason = code, "read conflict"
            continue
        apply_tx_rwset(batch, ledger, r.rwset, Version(block_num, tx_num))
    return batch


def validate_block_results(block: common_pb2.Block, bundle: ChannelBundle, ledger: LedgerView) -> list[TxResult]:
    metadata_updated: set[MetadataKey] = set()
    view = BlockStateView(ledger)  # committed state is frozen while this block is validated
    results = [validate_one(data, bundle, view, metadata_updated) for data in block.data.data]
    mark_duplicate_txids(results)
    apply_mvcc(results, block.header.number, view)
    for tx_num, r in enumerate(results):
        if r.code != codes.VALID:
            log.warning(
                "transaction marked invalid",
                extra={
                    "fields": {
                        "channel": bundle.channel_id,
                        "block": block.header.number,
                        "tx": tx_num,
                        "txid": r.txid,
                        "code": transaction_pb2.TxValidationCode.Name(r.code),
                        "reason": r.reason,
                    }
                },
            )
    return results


def validate_block(block: common_pb2.Block, bundle: ChannelBundle, ledger: LedgerView) -> list[int]:
    """TxValidationCode per transaction, ready for ``metadata[TRANSACTIONS_FILTER]``."""
    return [r.code for r in validate_block_results(block, bundle, ledger)]
