"""``scripts/bench_chaincode_stream.py`` end to end with tiny parameters: both stacks, real streams, a result file."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench_runner import run_benchmark

from scripts.benchkit import ccstream


def test_the_chaincode_end_answers_a_put_endorsement_and_nothing_else() -> None:
    tx = ccstream.Msg(type=ccstream.Msg.TRANSACTION, txid="t", channel_id="c")
    reply = ccstream.chaincode_answer(tx)
    assert reply is not None and reply.type == ccstream.Msg.PUT_STATE and reply.txid == "t"
    done = ccstream.chaincode_answer(ccstream.Msg(type=ccstream.Msg.RESPONSE, txid="t", channel_id="c"))
    assert done is not None and done.type == ccstream.Msg.COMPLETED
    assert ccstream.chaincode_answer(ccstream.Msg(type=ccstream.Msg.KEEPALIVE)) is None


def test_bench_chaincode_stream_measures_both_stacks(tmp_path: Path) -> None:
    doc, stdout = run_benchmark("bench_chaincode_stream.py", tmp_path, "--duration", "1", "--rounds", "1",
                                "--in-flight", "5")
    assert doc["benchmark"] == "bench_chaincode_stream"
    for stack in ("aio", "lib"):
        (only,) = doc["rounds"][stack]
        assert only["transactions"] > 0 and only["peer_us_per_tx"] > 0 and only["chaincode_us_per_tx"] > 0
    medians, ratios = doc["medians"], doc["ratios_grpclib_vs_aio"]
    assert ratios["peer_us_per_tx"] == pytest.approx(
        medians["lib"]["peer_us_per_tx"] / medians["aio"]["peer_us_per_tx"], abs=0.002)
    assert "grpclib / grpc.aio" in stdout and "result file:" in stdout
