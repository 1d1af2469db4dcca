"""The REST path's load generator, run as its own process so its CPU is counted apart from the benchmark's.

    python -m scripts.benchkit.httpload --url http://127.0.0.1:PORT/v1/orgs/Org1/submit?mode=sync \
        --in-flight 50 --duration 15 --warmup 5 --prefix rest50     (API key in BENCH_API_KEY)

Lean on purpose - the REST layer is what is measured, not an HTTP client library: plain asyncio streams,
HTTP/1.1 keep-alive, one connection per in-flight worker, the request head pre-encoded once, and of the
answer only the status line, ``Content-Length`` and the body are read (the body is JSON only for 200).

The parent drives it over stdin/stdout so that CPU snapshots of every process bracket exactly the closed loop
(warm-up included, as for the bare path): the child connects its workers and prints ``ready``; on ``go`` it
runs :func:`scripts.benchkit.loadgen.closed_loop` and prints ``done``; the parent takes its "after" snapshot
while the child is still alive, then sends ``report`` and reads one JSON line (:func:`result_document`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from scripts.benchkit.loadgen import Operation, RunResult, closed_loop

API_KEY_ENV = "BENCH_API_KEY"
VALUE = "v" * 32


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    path: str  # with query


def parse_target(url: str) -> Target:
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname or not parts.port:
        raise ValueError(f"--url: http://host:port/path expected, got {url!r}")
    return Target(parts.hostname, parts.port, parts.path + (f"?{parts.query}" if parts.query else ""))


def request_head(target: Target, api_key: str) -> bytes:
    """Everything of a submit request before its Content-Length value (the same for every request)."""
    return (f"POST {target.path} HTTP/1.1\r\nHost: {target.host}:{target.port}\r\nX-API-Key: {api_key}\r\n"
            "Content-Type: application/json\r\nContent-Length: ").encode()


def put_body(key: str) -> bytes:
    """``{"function":"put","args":[key, 32 B]}``: the bare path's ``put`` with the same arguments."""
    return b'{"function":"put","args":["' + key.encode() + b'","' + VALUE.encode() + b'"]}'


def request_bytes(head: bytes, body: bytes) -> bytes:
    return head + str(len(body)).encode() + b"\r\n\r\n" + body


def content_length(head: bytes) -> int:
    """Content-Length of a response head (status line + headers, no blank line); the server always sends it
    for our JSON answers (no chunked encoding), so its absence is a protocol error here."""
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    raise ValueError("response has no Content-Length")


def status_code(head: bytes) -> int:
    """``HTTP/1.1 200 OK`` -> 200."""
    parts = head.split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
        raise ValueError(f"not an HTTP/1.x status line: {head[:60]!r}")
    return int(parts[1])


def outcome_of(status: int, body: bytes, examples: dict[str, str]) -> str:
    """The transaction's validation code for a 200, else ``HTTP_<status>`` (first body kept as example)."""
    if status == 200:
        return str(json.loads(body).get("validation_code", "VALID"))
    label = f"HTTP_{status}"
    examples.setdefault(label, body[:500].decode(errors="replace"))
    return label


class Connection:
    """One keep-alive connection, one request at a time (a closed-loop worker's)."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.target.host, self.target.port)

    async def exchange(self, data: bytes) -> tuple[int, bytes]:
        if self.writer is None or self.reader is None or self.writer.is_closing():
            await self.open()
        assert self.reader is not None and self.writer is not None
        self.writer.write(data)
        head = await self.reader.readuntil(b"\r\n\r\n")
        head = head[:-4]
        body = await self.reader.readexactly(content_length(head))
        return status_code(head), body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def put_operation(connections: Sequence[Connection], head: bytes, prefix: str,
                  examples: dict[str, str]) -> Operation:
    async def put(worker: int, seq: int) -> tuple[str, float]:
        began = time.monotonic()
        conn = connections[worker]
        try:
            status, body = await conn.exchange(request_bytes(head, put_body(f"{prefix}-w{worker}-{seq}")))
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            conn.close()  # the next request re-connects
            examples.setdefault("HTTP_ERROR", repr(exc)[:500])
            return "HTTP_ERROR", began
        return outcome_of(status, body, examples), began

    return put


def result_document(result: RunResult, examples: dict[str, str]) -> dict[str, Any]:
    """What the parent rebuilds a :class:`RunResult` from (:func:`run_result_from`)."""
    return {"summary": result.summary(), "latencies_s": result.latencies_s,
            "submit_to_commit_s": result.submit_to_commit_s, "examples": examples}


def run_result_from(doc: dict[str, Any]) -> RunResult:
    s = doc["summary"]
    result = RunResult(s["label"], s["in_flight"], s["duration_s"])
    result.outcomes.update(s["outcomes"])
    result.all_outcomes.update(s["all_outcomes"])
    result.latencies_s = [float(x) for x in doc["latencies_s"]]
    result.submit_to_commit_s = [float(x) for x in doc["submit_to_commit_s"]]
    result.slowest_s = (s["slowest_ms"] or 0.0) / 1000
    result.drained_s = (s["drained_ms"] or 0.0) / 1000
    return result


def _expect(line: str, wanted: str) -> None:
    if line.strip() != wanted:
        raise RuntimeError(f"httpload: expected {wanted!r} on stdin, got {line.strip()!r}")


async def run(args: argparse.Namespace, api_key: str) -> int:
    target = parse_target(args.url)
    connections = [Connection(target) for _ in range(args.in_flight)]
    await asyncio.gather(*(c.open() for c in connections))
    examples: dict[str, str] = {}
    operation = put_operation(connections, request_head(target, api_key), args.prefix, examples)
    loop = asyncio.get_running_loop()
    print("ready", flush=True)
    _expect(await loop.run_in_executor(None, sys.stdin.readline), "go")
    result = await closed_loop(args.label, args.in_flight, args.duration, args.warmup, operation)
    print("done", flush=True)
    _expect(await loop.run_in_executor(None, sys.stdin.readline), "report")
    for conn in connections:
        conn.close()
    print(json.dumps(result_document(result, examples)), flush=True)
    return 0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", required=True, help="submit URL (http only)")
    p.add_argument("--in-flight", type=int, required=True)
    p.add_argument("--duration", type=float, required=True)
    p.add_argument("--warmup", type=float, required=True)
    p.add_argument("--prefix", required=True, help="key prefix, unique per run")
    p.add_argument("--label", required=True)
    args = p.parse_args(argv)
    if args.in_flight < 1:
        p.error("--in-flight: must be >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    api_key = os.environ.get(API_KEY_ENV, "")
    if not api_key:
        print(f"httpload: the API key goes in the environment variable {API_KEY_ENV}", file=sys.stderr)
        return 2
    return asyncio.run(run(args, api_key))


if __name__ == "__main__":
    sys.exit(main())
