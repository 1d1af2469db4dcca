"""System chaincodes ``qscc`` (ledger queries) and ``cscc`` (channel queries) - the read-only parts.

``core/scc/qscc/query.go``: ``args = [function, channel, param]``; the ACL ``qscc/<function>`` is checked
on the named channel; results are marshaled protos (Block, ProcessedTransaction, BlockchainInfo).
``core/scc/cscc/configure.go``: ``GetChannels`` (local members) and ``GetConfigBlock`` (channel readers).
Neither acquires a simulator, so nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fabric_protos.common import common_pb2
from fabric_protos.peer import proposal_response_pb2, query_pb2, transaction_pb2

Response = proposal_response_pb2.Response
Authorize = Callable[[Any, str], None]
"""(channel bundle, resource) -> None or raises PermissionError."""


def _error(message: str) -> Response:
    return Response(status=500, message=message)


def _ok(payload: bytes) -> Response:
    return Response(status=200, payload=payload)


def get_chain_info(ledger: Any, _: bytes) -> Response:
    return _ok(ledger.blockchain_info().SerializeToString())


def get_block_by_number(ledger: Any, param: bytes) -> Response:
    try:
        number = int(param.decode())
        if number < 0:
            raise ValueError(param)
    except ValueError as exc:
        return _error(f"Failed to parse block number with error {exc}")
    block = ledger.get_block(number)
    if block is None:
        return _error(f"Failed to get block number {number}, error Entry not found in index")
    return _ok(block.SerializeToString())


def get_block_by_hash(ledger: Any, param: bytes) -> Response:
    for number in range(ledger.height - 1, -1, -1):
        if ledger.block_hash(number) == param:
            return _ok(ledger.get_block(number).SerializeToString())
    return _error(f"Failed to get block hash {param.hex()}, error Entry not found in index")


def get_transaction_by_id(ledger: Any, param: bytes) -> Response:
    txid = param.decode(errors="replace")
    found = ledger.get_tx_envelope(txid)
    if found is None:
        return _error(f"Failed to get transaction with id {txid}, error no such transaction ID [{txid}] in index")
    envelope, code = found
    return _ok(transaction_pb2.ProcessedTransaction(transactionEnvelope=envelope,
                                                    validationCode=code).SerializeToString())


def get_block_by_txid(ledger: Any, param: bytes) -> Response:
    txid = param.decode(errors="replace")
    block = ledger.get_block_by_txid(txid)
    if block is None:
        return _error(f"Failed to get block for txID {txid}, error no such transaction ID [{txid}] in index")
    return _ok(block.SerializeToString())


QSCC_FUNCTIONS: dict[str, Callable[[Any, bytes], Response]] = {
    "GetChainInfo": get_chain_info,
    "GetBlockByNumber": get_block_by_number,
    "GetBlockByHash": get_block_by_hash,
    "GetTransactionByID": get_transaction_by_id,
    "GetBlockByTxID": get_block_by_txid,
}


def invoke_qscc(args: list[bytes], channels: Callable[[str], Any], authorize: Authorize) -> Response:
    """``LedgerQuerier.Invoke``."""
    if len(args) < 2:
        return _error(f"Incorrect number of arguments, {len(args)}")
    fname, cid = args[0].decode(errors="replace"), args[1].decode(errors="replace")
    if fname != "GetChainInfo" and len(args) < 3:
        return _error(f"missing 3rd argument for {fname}")
    channel = channels(cid)
    if channel is None:
        return _error(f"Invalid chain ID, {cid}")
    try:
        authorize(channel.bundle, f"qscc/{fname}")
    except (PermissionError, KeyError) as exc:
        return _error(f"access denied for [{fname}][{cid}]: [{exc}]")
    handler = QSCC_FUNCTIONS.get(fname)
    if handler is None:
        return _error(f"Requested function {fname} not found.")
    return handler(channel.ledger, args[2] if len(args) > 2 else b"")


def invoke_cscc(args: list[bytes], channels: Callable[[str], Any], all_channels: Callable[[], Any],
                authorize: Authorize) -> Response:
    """``PeerConfiger.Invoke``: the read-only functions."""
    if not args:
        return _error("Incorrect number of arguments, 0")
    fname = args[0].decode(errors="replace")
    if fname == "GetChannels":
        try:
            authorize(None, "cscc/GetChannels")
        except PermissionError as exc:
            return _error(f"access denied for [{fname}]: {exc}")
        result = query_pb2.ChannelQueryResponse()
        for channel in all_channels():
            result.channels.add(channel_id=channel.channel_id)
        return _ok(result.SerializeToString())
    if fname == "GetConfigBlock":
        if len(args) < 2:
            return _error(f"Incorrect number of arguments, {len(args)}")
        cid = args[1].decode(errors="replace")
        channel = channels(cid)
        if channel is None:
            return _error(f"Unknown chain ID, {cid}")
        try:
            authorize(channel.bundle, "cscc/GetConfigBlock")
        except PermissionError as exc:
            return _error(f"access denied for [{fname}][{cid}]: {exc}")
        block: common_pb2.Block = channel.ledger.get_block(channel.bundle.config_block_number)
        return _ok(block.SerializeToString())
    return _error(f"Requested function {fname} not found.")
