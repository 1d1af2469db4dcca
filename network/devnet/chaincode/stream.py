"""One gRPC stream per chaincode server, shared by all concurrent transactions.

The peer dials the chaincode's ``protos.Chaincode/Connect`` (``core/chaincode/extcc/extcc_handler.go``); the
chaincode speaks first. Handshake (``core/chaincode/handler.go`` ``HandleRegister``, ``sendReady``):
REGISTER(ChaincodeID{name=package id}) -> REGISTERED -> READY(ChaincodeAdditionalParams). Afterwards every
message is routed by (channel_id, txid) to the transaction it belongs to (``TransactionContexts``). Writes
go through one outbox drained by a single writer task: a gRPC stream admits one write at a time (Fabric's
``serialSend`` takes a mutex for the same reason), and one writer needs neither a lock nor a task per message.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from fabric_protos.peer import chaincode_pb2, chaincode_shim_pb2
from grpclib.exceptions import GRPCError

from network.devnet.chaincode.connection import ConnectionInfo
from network.devnet.chaincode.transport import ChaincodeCall, DialTimeout
from network.devnet.node import jsonlog

Msg = chaincode_shim_pb2.ChaincodeMessage
RequestHandler = Callable[[Msg], Msg | Awaitable[Msg]]
"""Answers one request of a running transaction: the reply itself, or an awaitable of it (cc2cc)."""

DEFAULT_EXECUTE_TIMEOUT = 30.0
"""``chaincode.executetimeout`` default in ``sampleconfig/core.yaml``."""

RUNTIME_PARAMS = chaincode_pb2.ChaincodeAdditionalParams(
    use_write_batch=True, max_size_write_batch=1000, use_get_multiple_keys=True, max_size_get_multiple_keys=1000
)
"""``chaincode.runtimeParams`` defaults of Fabric v3 ``core.yaml``, sent in READY."""


class ChaincodeStreamError(Exception):
    """The chaincode stream failed, the handshake was wrong, or a transaction could not be executed."""


class _ExecuteTimeout(Exception):
    """Set on a transaction's completion future when ``chaincode.executetimeout`` expires."""


def _expire(done: asyncio.Future[Msg]) -> None:
    if not done.done():
        done.set_exception(_ExecuteTimeout())


_logger = logging.getLogger("devnet.chaincode")


def log(event: str, level: int = logging.INFO, **fields: object) -> None:
    """Structured log line (the node's JSON formatter renders one JSON object per line on stderr)."""
    jsonlog.event(_logger, event, level, **fields)


def error_reply(msg: Msg, exc: Exception) -> Msg:
    return Msg(type=Msg.ERROR, payload=str(exc).encode(), txid=msg.txid, channel_id=msg.channel_id)


@dataclass
class _Transaction:
    done: asyncio.Future[Msg]
    handler: RequestHandler
    tasks: set[asyncio.Task[None]] = field(default_factory=set)


class ChaincodeStream:
    """A connected, READY chaincode; use :meth:`execute` to run transactions on it."""

    def __init__(self, package_id: str, info: ConnectionInfo) -> None:
        self.package_id = package_id
        self.info = info
        self._call: ChaincodeCall | None = None
        self._outbox: collections.deque[Msg] = collections.deque()
        self._writer: asyncio.Task[None] | None = None
        self._txs: dict[tuple[str, str], _Transaction] = {}
        self._reader: asyncio.Task[None] | None = None
        self.closed = False

    async def connect(self) -> None:
        try:
            self._call = await ChaincodeCall.open(self.info)
        except DialTimeout as exc:
            raise ChaincodeStreamError(
                f"error connecting to chaincode server at {self.info.address}: dial timed out"
            ) from exc
        except (OSError, ValueError) as exc:
            raise ChaincodeStreamError(
                f"error connecting to chaincode server at {self.info.address}: {exc or type(exc).__name__}"
            ) from exc
        try:
            await self._handshake()
        except BaseException:
            self._call.abort()
            raise
        self._reader = asyncio.create_task(self._read_loop())
        log("chaincode connected", package_id=self.package_id, address=self.info.address)

    async def _handshake(self) -> None:
        assert self._call is not None
        first = await self._read_skipping_keepalive()
        if first.type != Msg.REGISTER:
            raise ChaincodeStreamError(f"chaincode sent {Msg.Type.Name(first.type)} before REGISTER")
        cc_id = chaincode_pb2.ChaincodeID.FromString(first.payload)
        if cc_id.name != self.package_id:
            await self._write(Msg(type=Msg.ERROR, payload=f"chaincode {cc_id.name} not registered".encode()))
            raise ChaincodeStreamError(
                f"chaincode registered as {cc_id.name!r}, expected package id {self.package_id!r}"
            )
        await self._write(Msg(type=Msg.REGISTERED))
        await self._write(Msg(type=Msg.READY, payload=RUNTIME_PARAMS.SerializeToString()))

    async def _read_skipping_keepalive(self) -> Msg:
        assert self._call is not None
        while True:
            try:
                msg = await self._call.read()
            except Exception as exc:
                raise ChaincodeStreamError(f"chaincode stream failed during handshake: {exc!r}") from exc
            if msg is None:
                raise ChaincodeStreamError("chaincode stream closed during handshake")
            if msg.type != Msg.KEEPALIVE:
                return msg

    async def _write(self, msg: Msg) -> None:
        """Handshake write (before the reader and the writer task run); failures are ChaincodeStreamError."""
        if self._call is None or self.closed:
            raise ChaincodeStreamError(f"chaincode {self.package_id} is not connected")
        try:
            await self._call.write(msg)
        except Exception as exc:
            raise ChaincodeStreamError(f"chaincode stream write failed: {exc or type(exc).__name__}") from exc

    def _send(self, msg: Msg) -> None:
        """Queue one message for the shared stream; raise ChaincodeStreamError if the stream is unusable.

        The writer task, not the caller, performs the write: a task cancelled inside ``write()`` could leave a
        message half-sent on the shared stream, so one endorsement abandoned by its client (deadline,
        disconnect) must never be the task writing. Messages are written in the order queued.
        """
        if self._call is None or self.closed:
            raise ChaincodeStreamError(f"chaincode {self.package_id} is not connected")
        self._outbox.append(msg)
        if self._writer is None:
            self._writer = asyncio.create_task(self._drain(self._call))

    async def _drain(self, call: ChaincodeCall) -> None:
        """Write queued messages until the outbox is empty.

        A failed write means the stream or its connection ended underneath us: the chaincode is gone for
        every transaction on this stream, as after a failed ``serialSend`` in ``core/chaincode/handler.go``
        (the handler is deregistered and the next invocation dials again).
        """
        try:
            while self._outbox:
                await call.write(self._outbox.popleft())
        except Exception as exc:
            self._broken(f"chaincode stream write failed: {exc or type(exc).__name__}")
        finally:
            self._writer = None

    def _broken(self, reason: str) -> None:
        """Mark the stream unusable and fail every transaction still waiting on it, right now."""
        if not self.closed:
            self.closed = True
            log("chaincode stream closed", logging.WARNING, package_id=self.package_id, reason=reason)
        self._outbox.clear()
        for tx in self._txs.values():
            if not tx.done.done():
                tx.done.set_exception(ChaincodeStreamError(reason))
                tx.done.exception()  # marked retrieved: the waiter may already be gone
        if self._call is not None:
            self._call.abort()

    async def _read_loop(self) -> None:
        assert self._call is not None
        error = "chaincode stream terminated"
        try:
            while True:
                msg = await self._call.read()
                if msg is None:
                    break
                self._dispatch(msg)
        except GRPCError as exc:
            error = f"chaincode stream terminated: {exc.status.name} {exc.message or ''}".rstrip()
        except asyncio.CancelledError:
            error = "chaincode stream closed"
        except Exception as exc:  # a read on a finished call, or a dispatch bug: the stream is unusable
            error = f"chaincode stream terminated: {exc or type(exc).__name__}"
        self._broken(error)

    def _dispatch(self, msg: Msg) -> None:
        if msg.type == Msg.KEEPALIVE:
            return
        tx = self._txs.get((msg.channel_id, msg.txid))
        if tx is None:
            log("chaincode message for unknown transaction", logging.WARNING, type=Msg.Type.Name(msg.type),
                txid=msg.txid, channel=msg.channel_id)
            if msg.type not in (Msg.COMPLETED, Msg.ERROR):
                # HandleTransaction -> isValidTxSim: a request outside a running transaction is refused
                text = f"{Msg.Type.Name(msg.type)} failed: transaction ID: {msg.txid}: no ledger context"
                with contextlib.suppress(ChaincodeStreamError):
                    self._send(Msg(type=Msg.ERROR, payload=text.encode(), txid=msg.txid, channel_id=msg.channel_id))
            return
        if msg.type in (Msg.COMPLETED, Msg.ERROR):
            if not tx.done.done():
                tx.done.set_result(msg)
            return
        try:
            reply = tx.handler(msg)
        except Exception as exc:  # every failure becomes an ERROR message, as HandleTransaction does
            reply = error_reply(msg, exc)
        if isinstance(reply, Msg):
            self._reply(tx, reply)
            return
        task = asyncio.create_task(self._serve_later(tx, msg, reply))
        tx.tasks.add(task)
        task.add_done_callback(tx.tasks.discard)

    def _reply(self, tx: _Transaction, reply: Msg) -> None:
        if not tx.done.done():
            with contextlib.suppress(ChaincodeStreamError):  # a broken stream already failed the transaction
                self._send(reply)

    async def _serve_later(self, tx: _Transaction, msg: Msg, pending: Awaitable[Msg]) -> None:
        """A request whose answer needs awaiting (a chaincode-to-chaincode call) runs in its own task."""
        try:
            reply = await pending
        except Exception as exc:
            reply = error_reply(msg, exc)
        self._reply(tx, reply)

    async def execute(self, msg: Msg, handler: RequestHandler,
                      timeout: float | None = DEFAULT_EXECUTE_TIMEOUT) -> Msg:
        """Send TRANSACTION/INIT and serve the chaincode's requests until COMPLETED or ERROR (``timeout``:
        ``chaincode.executetimeout`` in seconds, None = wait forever)."""
        if self.closed or self._call is None:
            raise ChaincodeStreamError(f"chaincode {self.package_id} is not connected")
        key = (msg.channel_id, msg.txid)
        if key in self._txs:
            raise ChaincodeStreamError(f"txid: {msg.txid}({msg.channel_id}) exists")
        loop = asyncio.get_running_loop()
        tx = _Transaction(done=loop.create_future(), handler=handler)
        self._txs[key] = tx
        timer = loop.call_later(timeout, _expire, tx.done) if timeout is not None else None
        try:
            self._send(msg)
            return await tx.done
        except _ExecuteTimeout as exc:
            raise ChaincodeStreamError(f"timeout expired while executing transaction {msg.txid}") from exc
        finally:
            if timer is not None:
                timer.cancel()
            del self._txs[key]
            for task in list(tx.tasks):
                task.cancel()

    async def close(self) -> None:
        self.closed = True
        self._outbox.clear()
        if self._call is not None:
            self._call.abort()
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._writer
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
