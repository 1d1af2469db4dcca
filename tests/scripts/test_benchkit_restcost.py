"""The REST-cost arithmetic of ``bench_gateway`` and the lean HTTP load generator's wire handling."""

from __future__ import annotations

import asyncio
import json

import pytest

from scripts.benchkit import httpload
from scripts.benchkit.loadgen import RunResult
from scripts.benchkit.restcost import level_ratios, round_order, run_label, split_label


def _run(label: str, committed: int, latency_s: float, cpu: dict[str, float]) -> RunResult:
    result = RunResult(label, 10, 10.0)
    result.outcomes["VALID"] = committed
    result.all_outcomes["VALID"] = committed
    result.latencies_s = [latency_s] * committed
    result.cpu_ms_per_tx = cpu
    return result


def test_round_order_alternates_by_round_and_level() -> None:
    assert round_order(0, 1) == ("bare", "rest")
    assert round_order(0, 2) == ("rest", "bare")
    assert round_order(1, 1) == ("rest", "bare")
    assert split_label(run_label("rest", 50, 2)) == ("rest", "N=50", "2")


def test_level_ratios_take_the_median_of_per_round_ratios() -> None:
    results = [
        _run("bare N=10 #1", 100, 0.10, {"client": 1.0, "total": 5.0}),
        _run("rest N=10 #1", 90, 0.11, {"rest-gateway": 1.5, "http-loadgen": 0.3, "total": 6.0}),
        _run("rest N=10 #2", 50, 0.12, {"rest-gateway": 2.5, "http-loadgen": 0.3, "total": 7.0}),
        _run("bare N=10 #2", 100, 0.10, {"client": 1.0, "total": 5.0}),
        _run("bare N=50 #1", 100, 0.10, {"client": 1.0, "total": 5.0}),  # no REST partner: skipped
    ]
    ratios = level_ratios(results)
    assert list(ratios) == ["N=10"]
    level = ratios["N=10"]
    assert level["rounds"]["1"]["tps_rest_vs_bare"] == pytest.approx(0.9)
    assert level["rounds"]["2"]["tps_rest_vs_bare"] == pytest.approx(0.5)
    assert level["tps_rest_vs_bare"] == pytest.approx(0.7)  # median of two = their mean
    assert level["throughput_overhead"] == pytest.approx(0.3)
    assert level["rest_process_vs_bare_client"] == pytest.approx(2.0)
    assert level["total_cpu_rest_vs_bare"] == pytest.approx(1.3)
    assert level["p50_latency_rest_vs_bare"] == pytest.approx(1.15)
    assert level["target_met"] is False


def test_target_met_only_under_ten_percent() -> None:
    results = [_run("bare N=1 #1", 100, 0.100, {"total": 1.0}), _run("rest N=1 #1", 95, 0.105, {"total": 1.0})]
    assert level_ratios(results)["N=1"]["target_met"] is True


def test_response_head_parsing_names_the_problem() -> None:
    head = b"HTTP/1.1 201 Created\r\nserver: x\r\ncontent-length: 17"
    assert httpload.status_code(head) == 201
    assert httpload.content_length(head) == 17
    with pytest.raises(ValueError, match="Content-Length"):
        httpload.content_length(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked")
    with pytest.raises(ValueError, match="status line"):
        httpload.status_code(b"SSH-2.0 hello")


def test_request_bytes_carry_the_exact_body_length() -> None:
    target = httpload.parse_target("http://127.0.0.1:8080/v1/orgs/Org1/submit?mode=sync")
    data = httpload.request_bytes(httpload.request_head(target, "gk_a.b"), httpload.put_body("k-1"))
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"POST /v1/orgs/Org1/submit?mode=sync HTTP/1.1\r\n")
    assert f"Content-Length: {len(body)}".encode() in head
    assert json.loads(body) == {"function": "put", "args": ["k-1", "v" * 32]}
    with pytest.raises(ValueError, match="--url"):
        httpload.parse_target("https://127.0.0.1/x")


def test_connection_reuses_one_keepalive_socket_against_a_real_server() -> None:
    async def scenario() -> tuple[list[tuple[int, bytes]], int]:
        accepted = 0

        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            nonlocal accepted
            accepted += 1
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError:
                    break
                body = await reader.readexactly(httpload.content_length(head[:-4]))
                code = 200 if b"ok" in body else 409
                answer = json.dumps({"validation_code": "VALID"} if code == 200 else {"title": "x"}).encode()
                writer.write(f"HTTP/1.1 {code} X\r\ncontent-length: {len(answer)}\r\n\r\n".encode() + answer)
                await writer.drain()
            writer.close()

        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        conn = httpload.Connection(httpload.parse_target(f"http://127.0.0.1:{port}/submit"))
        head = httpload.request_head(conn.target, "gk_a.b")
        answers = [await conn.exchange(httpload.request_bytes(head, body)) for body in (b'"ok"', b'"no"', b'"ok"')]
        conn.close()
        server.close()
        await server.wait_closed()
        return answers, accepted

    answers, accepted = asyncio.run(scenario())
    assert [status for status, _ in answers] == [200, 409, 200]
    assert accepted == 1
    examples: dict[str, str] = {}
    assert httpload.outcome_of(*answers[0], examples) == "VALID"
    assert httpload.outcome_of(*answers[1], examples) == "HTTP_409" and "HTTP_409" in examples
