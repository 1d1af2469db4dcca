"""Validating a block: one TxValidationCode per transaction (``core/committer/txvalidator/v20/validator.go``
``Validate``/``validateTx``, ``plugindispatcher/dispatcher.go`` ``Dispatch``, then the ledger's MVCC pass).

Order, as in Fabric: structural checks and creator signature; channel; duplicate txid in the ledger;
chaincode action decoding and namespace checks; endorsement policies per invoked/written namespace;
duplicate txid earlier in the block; finally MVCC and phantom checks against committed state plus the
updates of the earlier valid transactions.

The stateless part (envelope checks, decoding) runs for every transaction first; then the txids and keys
the block will look up are fetched from the ledger in one query each; then the stateful rules run per
transaction in block order, each failure reported where Fabric reports it. The MVCC pass's update batch
is kept for the ledger (:class:`BlockValidation`), which would otherwise build the same batch again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from fabric_protos.common import common_pb2, configtx_pb2
from fabric_protos.peer import transaction_pb2
from google.protobuf.message import DecodeError

from network.devnet.channelconfig import ChannelBundle, ConfigError, bundle_from_config
from network.devnet.channelconfig.update import ConfigUpdateError, validate_config_envelope
from network.devnet.ledger.blockparse import TxSummary, summarize_tx
from network.devnet.ledger.parsedrwset import ParsedRWSet
from network.devnet.ledger.prepared import PreparedCommit
from network.devnet.ledger.updates import UpdateBatch, apply_tx_rwset
from network.devnet.ledger.version import Version
from network.devnet.validation import codes
from network.devnet.validation.definitions import definition_keys
from network.devnet.validation.endorsement import metadata_keys_written
from network.devnet.validation.endorsertx import (
    BlockContext,
    ChaincodeActionParts,
    decode_chaincode_action,
    validate_endorser_tx,
)
from network.devnet.validation.envelope import CheckedEnvelope, Invalid, validate_transaction
from network.devnet.validation.mvcc import mvcc_code
from network.devnet.validation.stateview import BlockStateView, CommittedState, StateReads

ENDORSER_TRANSACTION = common_pb2.ENDORSER_TRANSACTION
CONFIG = common_pb2.CONFIG
"""``HeaderType`` values as plain ints (an enum wrapper attribute costs a Python call per read)."""
log = logging.getLogger("devnet.validation")


class BlockValidationError(Exception):
    """The block cannot be validated at all (Fabric panics the committer in these cases)."""


@dataclass
class TxResult:
    code: int
    reason: str = ""
    txid: str = ""
    rwset: ParsedRWSet | None = None
    checked: CheckedEnvelope | None = None


def validate_config_tx(checked: CheckedEnvelope, bundle: ChannelBundle) -> None:
    """``ChannelResources.Apply``: the config must be the authorised result of its ``last_update`` at the
    next sequence and yield a usable bundle. Fabric's committer stops on failure, so this raises."""
    try:
        cfg_env = configtx_pb2.ConfigEnvelope.FromString(checked.payload.data)
        validate_config_envelope(bundle, cfg_env)
        bundle_from_config(bundle.channel_id, cfg_env.config)
    except (DecodeError, ConfigError, ConfigUpdateError) as exc:
        raise BlockValidationError(f"config transaction invalid: {exc}") from exc


@dataclass
class StagedTx:
    """One transaction after the stateless checks: a final result already, or its decoded pieces."""

    result: TxResult | None = None
    checked: CheckedEnvelope | None = None
    decoded: ChaincodeActionParts | Invalid | None = None


def stage_transaction(data: bytes, bundle: ChannelBundle) -> StagedTx:
    """``ValidateTransaction`` (structure, creator signature) and, for an endorser transaction, decoding of
    its chaincode action. Neither reads state, so the block's transactions all pass here first."""
    try:
        checked = validate_transaction(data, bundle.msp_manager)
    except Invalid as exc:
        return StagedTx(TxResult(exc.code, str(exc)))
    decoded: ChaincodeActionParts | Invalid | None = None
    if checked.channel_header.type == ENDORSER_TRANSACTION:
        try:
            decoded = decode_chaincode_action(checked)
        except Invalid as exc:
            decoded = exc
    return StagedTx(None, checked, decoded)


def finish_transaction(staged: StagedTx, ctx: BlockContext) -> TxResult:
    """The stateful rules, in Fabric's order after the envelope checks (channel first)."""
    if staged.result is not None:
        return staged.result
    checked = staged.checked
    assert checked is not None
    txid = checked.channel_header.tx_id
    try:
        if checked.channel_header.channel_id != ctx.bundle.channel_id:
            raise Invalid(codes.TARGET_CHAIN_NOT_FOUND, f"channel {checked.channel_header.channel_id} not found")
        if checked.channel_header.type == CONFIG:
            validate_config_tx(checked, ctx.bundle)
            return TxResult(codes.VALID, "config", "")
        assert staged.decoded is not None
        rwset = validate_endorser_tx(checked, staged.decoded, ctx)
        ctx.metadata_updated.update(metadata_keys_written(rwset))
        return TxResult(codes.VALID, "", txid, rwset, checked)
    except Invalid as exc:
        return TxResult(exc.code, str(exc), txid)


def prefetch_block_reads(staged: list[StagedTx], state: BlockStateView) -> None:
    """Fetch, in one round trip each, every txid the duplicate check will ask about and every public key
    the block reads or writes (MVCC, key-level policies and the update batch look them up). Only warms the
    view's memo of committed state; no outcome depends on it."""
    txids: list[str] = []
    keys: list[tuple[str, str]] = []
    namespaces: set[str] = set()
    for st in staged:
        if st.checked is None or not isinstance(st.decoded, ChaincodeActionParts):
            continue
        txids.append(st.checked.channel_header.tx_id)
        keys += public_keys_touched(st.decoded.rwset)
        namespaces.add(st.decoded.header_extension.chaincode_id.name)
        namespaces.update(ns.namespace for ns in st.decoded.rwset.namespaces)
    for ns in sorted(namespaces):
        keys += definition_keys(ns)
    state.prefetch_txids(txids)
    state.prefetch_states(keys)


def public_keys_touched(tx_rwset: ParsedRWSet) -> list[tuple[str, str]]:
    keys: list[tuple[str, str]] = []
    for ns_set in tx_rwset.namespaces:
        kv = ns_set.kv
        ns = ns_set.namespace
        keys += [(ns, r.key) for r in kv.reads]
        keys += [(ns, w.key) for w in kv.writes]
        keys += [(ns, m.key) for m in kv.metadata_writes]
    return keys


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


def apply_mvcc(results: list[TxResult], block_num: int, ledger: StateReads) -> UpdateBatch:
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


@dataclass(frozen=True)
class BlockValidation:
    """Codes of a block's transactions plus what the ledger needs to commit it without deriving it again."""

    results: list[TxResult]
    prepared: PreparedCommit

    @property
    def codes(self) -> list[int]:
        return [r.code for r in self.results]


def validate_block_results(block: common_pb2.Block, bundle: ChannelBundle, ledger: CommittedState) -> list[TxResult]:
    return validate_block_for_commit(block, bundle, ledger).results


def validate_block_for_commit(
    block: common_pb2.Block, bundle: ChannelBundle, ledger: CommittedState
) -> BlockValidation:
    """Validate, and keep the MVCC pass's update batch for :meth:`Ledger.commit` (``PreparedCommit``)."""
    state_height = ledger.height
    view = BlockStateView(ledger)  # committed state is frozen while this block is validated
    staged = [stage_transaction(data, bundle) for data in block.data.data]
    prefetch_block_reads(staged, view)
    ctx = BlockContext(bundle, view)
    results = [finish_transaction(st, ctx) for st in staged]
    mark_duplicate_txids(results)
    batch = apply_mvcc(results, block.header.number, view)
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
    txfilter = bytes(r.code for r in results)
    summaries = [tx_summary(i, data, r) for i, (data, r) in enumerate(zip(block.data.data, results, strict=True))]
    return BlockValidation(results, PreparedCommit(block.header.number, state_height, txfilter, summaries, batch))


def tx_summary(tx_num: int, data: bytes, result: TxResult) -> TxSummary:
    """What the ledger indexes about a transaction: taken from the validated pieces for a VALID endorser
    transaction (the same header and rwset ``summarize_tx`` would decode), else decoded leniently."""
    checked = result.checked
    if result.code != codes.VALID or checked is None or result.rwset is None:
        return summarize_tx(tx_num, data)
    chdr = checked.channel_header
    return TxSummary(tx_num, chdr.tx_id, chdr.type, chdr.timestamp.seconds, chdr.timestamp.nanos, result.rwset)


def validate_block(block: common_pb2.Block, bundle: ChannelBundle, ledger: CommittedState) -> list[int]:
    """TxValidationCode per transaction, ready for ``metadata[TRANSACTIONS_FILTER]``."""
    return validate_block_for_commit(block, bundle, ledger).codes
