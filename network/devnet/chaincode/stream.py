"""One gRPC stream per chaincode server, shared by all concurrent transactions.

The peer dials the chaincode's ``protos.Chaincode/Connect`` (``core/chaincode/extcc/extcc_handler.go``); the
chaincode speaks first. Handshake (``core/chaincode/handler.go`` ``HandleRegister``, ``sendReady``):
REGISTER(ChaincodeID{name=package id}) -> REGISTERED -> READY(ChaincodeAdditionalParams). Afterwards every
message is routed by (channel_id, txid) to the transaction it belongs to (``TransactionContexts``); writes to
the stream are serialised because a gRPC stream admits one write at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import grpc
from fabric_protos.peer import chaincode_pb2, chaincode_shim_pb2, chaincode_shim_pb2_grpc

from network.devnet.chaincode.connection import ConnectionInfo
from network.devnet.node import jsonlog

Msg = chaincode_shim_pb2.ChaincodeMessage
RequestHandler = Callable[[Msg], Awaitable[Msg]]

DEFAULT_EXECUTE_TIMEOUT = 30.0
"""``chaincode.executetimeout`` default in ``sampleconfig/core.yaml``."""

RUNTIME_PARAMS = chaincode_pb2.ChaincodeAdditionalParams(
    use_write_batch=True, max_size_write_batch=1000, use_get_multiple_keys=True, max_size_get_multiple_keys=1000
)
"""``chaincode.runtimeParams`` defaults of Fabric v3 ``core.yaml``, sent in READY."""


class ChaincodeStreamError(Exception):
    """The chaincode stream failed, the handshake was wrong, or a transaction could not be executed."""


_logger = logging.getLogger("devnet.chaincode")


def log(event: str, level: int = logging.INFO, **fields: object) -> None:
    """Structured log line (the node's JSON formatter renders one JSON object per line on stderr)."""
    jsonlog.event(_logger, event, level, **fields)


def channel_credentials(info: ConnectionInfo) -> grpc.ChannelCredentials | None:
    if not info.tls_required:
        return None
    if info.client_auth_required:
        return grpc.ssl_channel_credentials(info.root_cert, info.client_key, info.client_cert)
    return grpc.ssl_channel_credentials(info.root_cert)


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
        self._channel: grpc.aio.Channel | None = None
        self._call: grpc.aio.StreamStreamCall | None = None
        self._write_lock = asyncio.Lock()
        self._txs: dict[tuple[str, str], _Transaction] = {}
        self._reader: asyncio.Task[None] | None = None
        self._orphans: set[asyncio.Task[None]] = set()
        self.closed = False

    async def connect(self) -> None:
        options = []
        if self.info.server_name_override:
            options.append(("grpc.ssl_target_name_override", self.info.server_name_override))
        creds = channel_credentials(self.info)
        if creds is None:
            self._channel = grpc.aio.insecure_channel(self.info.address, options=options)
        else:
            self._channel = grpc.aio.secure_channel(self.info.address, creds, options=options)
        try:
            await asyncio.wait_for(self._channel.channel_ready(), self.info.dial_timeout or None)
        except TimeoutError as exc:
            await self._channel.close()
            raise ChaincodeStreamError(
                f"error connecting to chaincode server at {self.info.address}: dial timed out"
            ) from exc
        self._call = chaincode_shim_pb2_grpc.ChaincodeStub(self._channel).Connect()
        await self._handshake()
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
            msg = await self._call.read()
            if msg is grpc.aio.EOF:
                raise ChaincodeStreamError("chaincode stream closed during handshake")
            if msg.type != Msg.KEEPALIVE:
                return msg

    async def _write(self, msg: Msg) -> None:
        """Write one message on the shared stream; raise ChaincodeStreamError if the stream is unusable.

        The write itself runs shielded from the caller's cancellation: grpc.aio cancels the *whole call*
        when a task is cancelled inside ``write()``, so one endorsement abandoned by its client (deadline,
        disconnect) would otherwise tear down the stream every other transaction is using.
        grpc.aio raises ``InvalidStateError("RPC already finished")`` when the call ended underneath us and
        ``AioRpcError`` when it failed; either way the chaincode is gone for every transaction on this
        stream, as after a failed ``serialSend`` in ``core/chaincode/handler.go`` (the handler is
        deregistered and the next invocation dials again).
        """
        if self._call is None or self.closed:
            raise ChaincodeStreamError(f"chaincode {self.package_id} is not connected")
        await asyncio.shield(self._write_serialised(self._call, msg))

    async def _write_serialised(self, call: grpc.aio.StreamStreamCall, msg: Msg) -> None:
        async with self._write_lock:
            try:
                await call.write(msg)
            except Exception as exc:
                reason = f"chaincode stream write failed: {exc or type(exc).__name__}"
                self._broken(reason)
                raise ChaincodeStreamError(reason) from exc

    def _broken(self, reason: str) -> None:
        """Mark the stream unusable and fail every transaction still waiting on it, right now."""
        if not self.closed:
            self.closed = True
            log("chaincode stream closed", logging.WARNING, package_id=self.package_id, reason=reason)
        for tx in self._txs.values():
            if not tx.done.done():
                tx.done.set_exception(ChaincodeStreamError(reason))
                tx.done.exception()  # marked retrieved: the waiter may already be gone
        if self._call is not None:
            self._call.cancel()

    async def _read_loop(self) -> None:
        assert self._call is not None
        error = "chaincode stream terminated"
        try:
            while True:
                msg = await self._call.read()
                if msg is grpc.aio.EOF:
                    break
                self._dispatch(msg)
        except grpc.aio.AioRpcError as exc:
            error = f"chaincode stream terminated: {exc.code().name} {exc.details()}"
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
                reply = Msg(type=Msg.ERROR, payload=text.encode(), txid=msg.txid, channel_id=msg.channel_id)
                task = asyncio.create_task(self._write(reply))
                self._orphans.add(task)
                task.add_done_callback(self._orphans.discard)
            return
        if msg.type in (Msg.COMPLETED, Msg.ERROR):
            if not tx.done.done():
                tx.done.set_result(msg)
            return
        task = asyncio.create_task(self._serve_request(tx, msg))
        tx.tasks.add(task)
        task.add_done_callback(tx.tasks.discard)

    async def _serve_request(self, tx: _Transaction, msg: Msg) -> None:
        try:
            reply = await tx.handler(msg)
        except Exception as exc:  # every failure becomes an ERROR message, as HandleTransaction does
            reply = Msg(type=Msg.ERROR, payload=str(exc).encode(), txid=msg.txid, channel_id=msg.channel_id)
        if tx.done.done():
            return
        with contextlib.suppress(Exception):
            await self._write(reply)

    async def execute(self, msg: Msg, handler: RequestHandler, timeout: float = DEFAULT_EXECUTE_TIMEOUT) -> Msg:
        """Send TRANSACTION/INIT and serve the chaincode's requests until COMPLETED or ERROR."""
        if self.closed or self._call is None:
            raise ChaincodeStreamError(f"chaincode {self.package_id} is not connected")
        key = (msg.channel_id, msg.txid)
        if key in self._txs:
            raise ChaincodeStreamError(f"txid: {msg.txid}({msg.channel_id}) exists")
        tx = _Transaction(done=asyncio.get_running_loop().create_future(), handler=handler)
        self._txs[key] = tx
        try:
            await self._write(msg)
            return await asyncio.wait_for(asyncio.shield(tx.done), timeout)
        except TimeoutError as exc:
            raise ChaincodeStreamError(f"timeout expired while executing transaction {msg.txid}") from exc
        finally:
            del self._txs[key]
            for task in list(tx.tasks):
                task.cancel()

    async def close(self) -> None:
        self.closed = True
        if self._call is not None:
            self._call.cancel()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        if self._channel is not None:
            await self._channel.close()
