"""Running chaincode transactions: connect lazily, check the invocation, execute, interpret the result.

``core/chaincode/chaincode_support.go``: ``CheckInvocation`` (definition lookup, init rules), ``Launch``
(here: dial the chaincode server named in ``connection.json``), ``execute`` and
``processChaincodeExecutionResult`` (COMPLETED -> Response; ERROR -> "transaction returned with failure";
the event gets the chaincode name and txid filled in by the peer).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from fabric_protos.peer import chaincode_event_pb2, chaincode_pb2, chaincode_shim_pb2, proposal_response_pb2

from network.devnet.chaincode.connection import ConnectionInfo
from network.devnet.chaincode.handler import RequestServer, TransactionContext
from network.devnet.chaincode.stream import DEFAULT_EXECUTE_TIMEOUT, ChaincodeStream, ChaincodeStreamError

Msg = chaincode_shim_pb2.ChaincodeMessage

INITIALIZED_KEY = "\x00\U0010ffffinitialized"
"""``InitializedKeyName``: holds the definition version once an init_required chaincode was initialised."""


class ExecutionError(Exception):
    """The chaincode could not run the transaction; the endorser answers status 500 with this text."""


@dataclass(frozen=True)
class Execution:
    """Outcome of a successful execution: the chaincode's Response and its (optional) event."""

    response: proposal_response_pb2.Response
    event: chaincode_event_pb2.ChaincodeEvent | None


def check_init(init_required: bool, initialized_version: bytes | None, version: str, is_init: bool) -> int:
    """``CheckInvocation`` init rules; returns the message type (INIT or TRANSACTION) to send."""
    if not init_required:
        return Msg.TRANSACTION
    needs_init = initialized_version != version.encode()
    if needs_init and not is_init:
        raise ExecutionError("chaincode has not been initialized for this version, must call as init first")
    if not needs_init and is_init:
        raise ExecutionError("chaincode is already initialized but called as init")
    return Msg.INIT if is_init else Msg.TRANSACTION


def interpret_result(final: Msg, cc_name: str, txid: str) -> Execution:
    """``processChaincodeExecutionResult``."""
    event = None
    if final.HasField("chaincode_event"):
        event = chaincode_event_pb2.ChaincodeEvent()
        event.CopyFrom(final.chaincode_event)
        event.chaincode_id = cc_name
        event.tx_id = txid
    if final.type == Msg.COMPLETED:
        try:
            response = proposal_response_pb2.Response.FromString(final.payload)
        except Exception as exc:
            raise ExecutionError(f"failed to unmarshal response for transaction {txid}: {exc}") from exc
        return Execution(response=response, event=event)
    if final.type == Msg.ERROR:
        raise ExecutionError(f"transaction returned with failure: {final.payload.decode(errors='replace')}")
    raise ExecutionError(f"unexpected response type {final.type} for transaction {txid}")


class ChaincodeRuntime:
    """The peer's connections to chaincode servers, one stream per installed package."""

    def __init__(
        self, connection_for: Callable[[str], ConnectionInfo], execute_timeout: float = DEFAULT_EXECUTE_TIMEOUT
    ) -> None:
        self._connection_for = connection_for
        self.execute_timeout = execute_timeout
        self._streams: dict[str, ChaincodeStream] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def stream(self, package_id: str) -> ChaincodeStream:
        """Connected stream for the package, dialling (again) if there is none or it broke."""
        existing = self._streams.get(package_id)
        if existing is not None and not existing.closed:
            return existing  # the common case needs no lock: nothing is dialled or replaced
        lock = self._locks.setdefault(package_id, asyncio.Lock())
        async with lock:
            existing = self._streams.get(package_id)
            if existing is not None and not existing.closed:
                return existing
            if existing is not None:  # broken: release its channel before dialling a new stream
                del self._streams[package_id]
                await existing.close()
            try:
                info = self._connection_for(package_id)
            except Exception as exc:
                raise ExecutionError(f"could not find connection info for chaincode {package_id}: {exc}") from exc
            stream = ChaincodeStream(package_id, info)
            try:
                await stream.connect()
            except (ChaincodeStreamError, OSError) as exc:
                await stream.close()
                raise ExecutionError(f"could not launch chaincode {package_id}: {exc}") from exc
            self._streams[package_id] = stream
            return stream

    async def _exchange(
        self, package_id: str, ctx: TransactionContext, cc_input: chaincode_pb2.ChaincodeInput, msg_type: int
    ) -> Msg:
        """Send one TRANSACTION/INIT message for ``ctx`` and serve the chaincode's requests until it answers."""
        stream = await self.stream(package_id)
        msg = Msg(
            type=msg_type,
            payload=cc_input.SerializeToString(),
            txid=ctx.txid,
            channel_id=ctx.channel_id,
            proposal=ctx.signed_proposal,
        )
        return await stream.execute(msg, RequestServer(ctx), self.execute_timeout)

    async def execute(
        self,
        package_id: str,
        ctx: TransactionContext,
        cc_input: chaincode_pb2.ChaincodeInput,
        msg_type: int = Msg.TRANSACTION,
    ) -> Execution:
        try:
            final = await self._exchange(package_id, ctx, cc_input, msg_type)
        except ChaincodeStreamError as exc:
            raise ExecutionError(f"error sending: {exc}") from exc
        return interpret_result(final, ctx.namespace, ctx.txid)

    async def execute_raw(
        self,
        package_id: str,
        ctx: TransactionContext,
        cc_input: chaincode_pb2.ChaincodeInput,
        msg_type: int = Msg.TRANSACTION,
    ) -> Msg:
        """Like :meth:`execute` but returns the final message as-is (for INVOKE_CHAINCODE replies)."""
        try:
            return await self._exchange(package_id, ctx, cc_input, msg_type)
        except ChaincodeStreamError as exc:
            raise ExecutionError(f"execute failed: {exc}") from exc

    async def close(self) -> None:
        for stream in self._streams.values():
            await stream.close()
        self._streams.clear()
