"""Micro-benchmark of a peer's commit path: replay real blocks into a fresh ledger (not a test).

Usage::

    .venv/bin/python tests/devnet/perf/commit_bench.py SOURCE_LEDGER.sqlite [--repeat 3] [--profile]

``SOURCE_LEDGER`` is a peer ledger kept by ``scripts/bench_devnet.py --keep`` (``<devnet>/net/data/
peer0.org3.example.com/ledgers/<channel>/ledger.sqlite``). Every block after the genesis block is taken as
the orderer delivered it (TRANSACTIONS_FILTER and COMMIT_HASH cleared) and goes through what the peer does
with it: ``verify_pulled_block``, ``validate_and_set_filter``, ``Ledger.commit`` and the commit-waiter scan.
CPU time (``time.process_time``) is reported per phase and per transaction; the replayed filters and commit
hashes are compared with the source ledger's, so a faster run that changed an answer is reported as such.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from fabric_protos.common import common_pb2

ROOT = Path(os.environ.get("COMMIT_BENCH_ROOT") or Path(__file__).resolve().parents[3])
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from network.devnet.channelconfig import bundle_from_config_block  # noqa: E402
from network.devnet.deliver.blockverify import verify_pulled_block  # noqa: E402
from network.devnet.ledger.blockparse import COMMIT_HASH, TRANSACTIONS_FILTER  # noqa: E402
from network.devnet.ledger.store import Ledger  # noqa: E402
from network.devnet.orderer.blocks import is_config_block  # noqa: E402
from network.devnet.peer.channel import _txid  # noqa: E402
from network.devnet.peer.committer import default_validator, validate_and_set_filter  # noqa: E402


class Channel:
    """The two attributes ``validate_and_set_filter`` reads."""

    def __init__(self, bundle: object, ledger: Ledger) -> None:
        self.bundle = bundle
        self.ledger = ledger


def load_blocks(path: Path) -> list[common_pb2.Block]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT data FROM blocks ORDER BY num").fetchall()
    finally:
        conn.close()
    return [common_pb2.Block.FromString(r[0]) for r in rows]


def as_delivered(block: common_pb2.Block) -> bytes:
    """The block as the orderer sent it: no filter, no commit hash (the peer computes both)."""
    copy = common_pb2.Block()
    copy.CopyFrom(block)
    copy.metadata.metadata[TRANSACTIONS_FILTER] = b""
    if len(copy.metadata.metadata) > COMMIT_HASH:
        copy.metadata.metadata[COMMIT_HASH] = b""
    return copy.SerializeToString()


def replay(source: list[common_pb2.Block], workdir: Path) -> tuple[dict[str, float], int, list[str]]:
    """Replay blocks 1.. into a fresh ledger; returns CPU seconds per phase, tx count, mismatches."""
    delivered = [as_delivered(b) for b in source[1:]]
    ledger = Ledger.open(workdir / "ledger", source[0])
    channel = Channel(bundle_from_config_block(source[0]), ledger)
    validate = default_validator()
    phases: dict[str, float] = defaultdict(float)
    mismatches: list[str] = []
    previous = source[0].header
    txs = 0
    clock = time.process_time
    for original, raw in zip(source[1:], delivered, strict=True):
        t0 = clock()
        block = common_pb2.Block.FromString(raw)
        t1 = clock()
        verify_pulled_block(block, previous, channel.bundle)
        t2 = clock()
        prepared = validate_and_set_filter(block, channel, validate)
        t3 = clock()
        if prepared is None:  # a tree from before PreparedCommit (A/B runs against an older checkout)
            ledger.commit(block, {})
        else:
            ledger.commit(block, {}, prepared=prepared)
        t4 = clock()
        # PeerChannel.committed: the txids to wake commit waiters
        txids = [tx.txid for tx in prepared.txs] if prepared is not None else [_txid(d) for d in block.data.data]
        assert len(txids) == len(block.data.data)
        if is_config_block(block):
            channel.bundle = bundle_from_config_block(block)
        t5 = clock()
        for name, dt in (
            ("decode", t1 - t0),
            ("verify", t2 - t1),
            ("validate", t3 - t2),
            ("commit", t4 - t3),
            ("notify", t5 - t4),
        ):
            phases[name] += dt
        previous = block.header
        txs += len(block.data.data)
        want = original.metadata.metadata
        got = block.metadata.metadata
        if got[TRANSACTIONS_FILTER] != want[TRANSACTIONS_FILTER] or got[COMMIT_HASH] != want[COMMIT_HASH]:
            mismatches.append(f"block {block.header.number}: filter or commit hash differs from the source ledger")
    ledger.close()
    return phases, txs, mismatches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="cProfile the last repeat, top 45 by tottime")
    parser.add_argument(
        "--stub-curve", action="store_true", help="count every uncached signature check as valid (time the rest)"
    )
    args = parser.parse_args()
    if args.stub_curve:
        from network.devnet.msp.identity import MSPIdentity

        MSPIdentity._verify_uncached = lambda *_: True  # type: ignore[method-assign]
    source = load_blocks(args.source)
    best: dict[str, float] = {}
    for i in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            if args.profile and i == args.repeat - 1:
                import cProfile
                import pstats

                prof = cProfile.Profile(time.process_time)
                phases, txs, mismatches = prof.runcall(replay, source, Path(tmp))
                pstats.Stats(prof).sort_stats("tottime").print_stats(45)
            else:
                phases, txs, mismatches = replay(source, Path(tmp))
        total = sum(phases.values())
        per_tx = {k: 1e6 * v / txs for k, v in phases.items()}
        print(
            f"run {i}: {txs} txs in {len(source) - 1} blocks, {1e6 * total / txs:.0f} us CPU/tx  "
            + "  ".join(f"{k}={v:.0f}" for k, v in per_tx.items())
        )
        for m in mismatches[:5]:
            print("  MISMATCH", m)
        if not best or sum(per_tx.values()) < sum(best.values()):
            best = per_tx
    print("best us/tx:", f"{sum(best.values()):.0f}", {k: round(v) for k, v in best.items()})


if __name__ == "__main__":
    main()
