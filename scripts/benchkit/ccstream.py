"""The two ends of a chaincode stream, on ``grpc.aio`` or on grpclib, for ``scripts/bench_chaincode_stream.py``.

One Connect stream carries every transaction in flight, as a peer's stream to a chaincode server does. Per
transaction: TRANSACTION (1.3 KB, peer to chaincode), PUT_STATE (chaincode to peer), RESPONSE (peer), COMPLETED
(chaincode): the four messages of a ``put`` endorsement. The chaincode end answers each message in its own task
behind one write lock (the shim's pattern); the peer end has one writer and one reader (devnet's pattern).

    python -m scripts.benchkit.ccstream server {aio|lib}
    python -m scripts.benchkit.ccstream client {aio|lib} PORT SERVER_PID SECONDS IN_FLIGHT
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import time
from collections.abc import AsyncIterable, Awaitable, Callable
from typing import Any

from fabric_protos.peer import chaincode_shim_pb2 as shim

from scripts.benchkit.cpu import cpu_seconds

Msg = shim.ChaincodeMessage
SERVICE, METHOD = "protos.Chaincode", "Connect"
PATH = f"/{SERVICE}/{METHOD}"
Send = Callable[[Msg], Awaitable[None]]


def chaincode_answer(message: Msg) -> Msg | None:
    if message.type == Msg.TRANSACTION:
        return Msg(type=Msg.PUT_STATE, txid=message.txid, channel_id=message.channel_id, payload=b"k" * 72)
    if message.type == Msg.RESPONSE:
        return Msg(type=Msg.COMPLETED, txid=message.txid, channel_id=message.channel_id, payload=b"r" * 60)
    return None


async def answer_all(messages: Any, send: Send) -> None:
    lock = asyncio.Lock()
    tasks: set[asyncio.Task[None]] = set()

    async def answer(message: Msg) -> None:
        reply = chaincode_answer(message)
        if reply is not None:
            async with lock:
                await send(reply)

    async for message in messages:
        task = asyncio.create_task(answer(message))
        tasks.add(task)
        task.add_done_callback(tasks.discard)


async def serve_aio() -> None:
    import grpc

    async def connect(requests: Any, context: Any) -> None:
        await answer_all(requests, context.write)

    handler = grpc.stream_stream_rpc_method_handler(connect, Msg.FromString, Msg.SerializeToString)
    server = grpc.aio.server()
    server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler(SERVICE, {METHOD: handler})])
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    print(f"ready {port}", flush=True)
    await server.wait_for_termination()


async def serve_lib() -> None:
    from grpclib.const import Cardinality, Handler
    from grpclib.server import Server

    class Chaincode:
        async def connect(self, stream: Any) -> None:
            await answer_all(stream, stream.send_message)

        def __mapping__(self) -> dict[str, Handler]:
            return {PATH: Handler(self.connect, Cardinality.STREAM_STREAM, Msg, Msg)}

    sock = socket.create_server(("127.0.0.1", 0))
    server = Server([Chaincode()])
    await server.start(sock=sock)
    print(f"ready {sock.getsockname()[1]}", flush=True)
    await server.wait_closed()


class PeerEnd:
    """Transactions in flight, matched to their answers by txid."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.waiting: dict[str, asyncio.Future[Msg]] = {}

    def dispatch(self, message: Msg) -> None:
        future = self.waiting.pop(message.txid, None)
        if future is not None and not future.done():
            future.set_result(message)

    async def _ask(self, message: Msg) -> Msg:
        future = asyncio.get_running_loop().create_future()
        self.waiting[message.txid] = future
        await self.send(message)
        return await future

    async def transaction(self, n: int) -> None:
        txid = f"{n:064x}"
        await self._ask(Msg(type=Msg.TRANSACTION, txid=txid, channel_id="mychannel", payload=b"p" * 1300))
        await self._ask(Msg(type=Msg.RESPONSE, txid=txid, channel_id="mychannel", payload=b"s" * 40))


async def drive(peer: PeerEnd, server_pid: int, seconds: float, in_flight: int) -> dict[str, float]:
    """Run ``in_flight`` workers; after one second of warm-up measure both ends' CPU for ``seconds``."""
    counter = iter(range(1 << 62))
    done = 0
    stop = time.monotonic() + seconds + 1.5

    async def worker() -> None:
        nonlocal done
        while time.monotonic() < stop:
            await peer.transaction(next(counter))
            done += 1

    async def measure() -> dict[str, float]:
        await asyncio.sleep(1.0)
        t0, c0, s0, d0 = time.monotonic(), time.process_time(), cpu_seconds(server_pid) or 0.0, done
        await asyncio.sleep(seconds)
        t1, c1, s1, d1 = time.monotonic(), time.process_time(), cpu_seconds(server_pid) or 0.0, done
        txs = max(1, d1 - d0)
        return {"transactions": d1 - d0, "tx_per_s": round(txs / (t1 - t0), 1),
                "peer_us_per_tx": round(1e6 * (c1 - c0) / txs, 1),
                "chaincode_us_per_tx": round(1e6 * (s1 - s0) / txs, 1)}

    results = await asyncio.gather(measure(), *[worker() for _ in range(in_flight)])
    return results[0]


async def drive_stream(write: Send, messages: AsyncIterable[Msg], server_pid: int, seconds: float,
                       in_flight: int) -> dict[str, float]:
    """The peer end on an open stream: one write at a time, one reader dispatching answers by txid."""
    lock = asyncio.Lock()

    async def send(message: Msg) -> None:
        async with lock:
            await write(message)

    peer = PeerEnd(send)

    async def read() -> None:
        async for message in messages:
            peer.dispatch(message)

    reader = asyncio.create_task(read())
    try:
        return await drive(peer, server_pid, seconds, in_flight)
    finally:
        reader.cancel()


async def client_aio(port: int, server_pid: int, seconds: float, in_flight: int) -> dict[str, float]:
    import grpc

    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        call = channel.stream_stream(PATH, Msg.SerializeToString, Msg.FromString)()
        try:
            return await drive_stream(call.write, call, server_pid, seconds, in_flight)
        finally:
            call.cancel()


async def client_lib(port: int, server_pid: int, seconds: float, in_flight: int) -> dict[str, float]:
    from grpclib.client import Channel
    from grpclib.const import Cardinality

    channel = Channel("127.0.0.1", port)
    try:
        async with channel.request(PATH, Cardinality.STREAM_STREAM, Msg, Msg) as stream:
            await stream.send_request()
            try:
                return await drive_stream(stream.send_message, stream, server_pid, seconds, in_flight)
            finally:
                await stream.cancel()
    finally:
        channel.close()


def main(argv: list[str]) -> None:
    if argv[:1] == ["server"] and len(argv) == 2:
        asyncio.run(serve_aio() if argv[1] == "aio" else serve_lib())
    elif argv[:1] == ["client"] and len(argv) == 6:
        port, pid, seconds, in_flight = int(argv[2]), int(argv[3]), float(argv[4]), int(argv[5])
        run = client_aio if argv[1] == "aio" else client_lib
        print(json.dumps(asyncio.run(run(port, pid, seconds, in_flight))), flush=True)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
