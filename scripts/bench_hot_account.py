"""Issue 5: concurrent transfers into ONE hot account - the asset chaincode's delta keys vs a naive single
balance key, side by side in one run on the same devnet (3 orgs, MAJORITY).

    .venv/bin/python scripts/bench_hot_account.py [--in-flight 20] [--duration 20] [--orgs 3]

Both designs get the same load: N workers, worker i moving 1 unit from its own sender account to the hot
account, closed loop. Delta design: ``Transfer`` of ``chaincode/`` (class HOT, senders Org1MSP/s<i>, hot
account Org2MSP/hot, signed by Org1's ``Operator1``); a credit writes a fresh DELTA key and reads nothing of
the receiver. Naive design: ``transfer`` of ``scripts/benchkit/benchcc.py`` (read-modify-write of one
balance key per account). Counts MVCC_READ_CONFLICT / PHANTOM_READ_CONFLICT per design ("other fail" is
mostly the gateway's ABORTED "ProposalResponsePayloads do not match": two endorsers read the hot key at
different versions - the same contention seen before ordering), audits that the hot
account's final balance equals the number of VALID transfers, and writes
``bench-results/bench_hot_account-<UTC>.json``. Target: zero conflicts for the delta design.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gateway.client.aio import AsyncContract  # noqa: E402
from scripts.benchkit import client, report  # noqa: E402
from scripts.benchkit.devnet import BenchNet, running_devnet  # noqa: E402
from scripts.benchkit.loadgen import Operation, RunResult  # noqa: E402
from scripts.benchkit.measure import announce_machine, benchmark_pids, measured_run  # noqa: E402
from scripts.benchkit.network import OPERATOR  # noqa: E402
from scripts.benchkit.options import add_network_options, network_parameters  # noqa: E402
from scripts.benchkit.stats import ratio  # noqa: E402
from scripts.benchkit.txflow import submit_and_wait  # noqa: E402

NAME = "bench_hot_account"
ASSET_CC, ASSET_MODULE = "assetregistry", "chaincode"
NAIVE_CC, NAIVE_MODULE = "benchcc", "scripts.benchkit.benchcc"
CLASS_ID = "HOT"
HOT = "Org2MSP/hot"
NAIVE_HOT = "hot"
SEED_UNITS = 10**9
BATCH_LIMIT = 100  # BatchTransfer takes 1..100 moves
CONFLICTS = ("MVCC_READ_CONFLICT", "PHANTOM_READ_CONFLICT")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--in-flight", type=int, default=20, help="concurrent transfers into the hot account")
    p.add_argument("--duration", type=float, default=20.0, help="measured seconds per design")
    add_network_options(p)
    args = p.parse_args(argv)
    if args.in_flight < 1:
        p.error(f"--in-flight: must be >= 1, got {args.in_flight}")
    return args


async def must_commit(contract: AsyncContract, name: str, args: list[str], attempts: int = 6) -> None:
    """Set-up transactions are retried while an endorser still lags one block behind the gateway peer (the
    gateway then reports ABORTED "ProposalResponsePayloads do not match" - correct Fabric behaviour)."""
    examples: dict[str, str] = {}
    for attempt in range(attempts):
        outcome, _ = await submit_and_wait(contract, name, args, examples)
        if outcome == "VALID":
            return
        if outcome != "ENDORSE_ABORTED":
            break
        await asyncio.sleep(0.2 * (attempt + 1))
    raise RuntimeError(f"set-up transaction {name} failed: {outcome} {examples.get(outcome, '')}")


def senders(count: int) -> list[str]:
    return [f"s{i:03d}" for i in range(count)]


async def setup_delta(issuer: AsyncContract, operator: AsyncContract, count: int) -> None:
    """Class HOT, all units minted to one treasury, spread to the senders with BatchTransfer (3 + n/100 txs
    instead of n Mints that would conflict on the class supply)."""
    spec = {"id": CLASS_ID, "kind": "fungible", "category": "payment", "decimals": 0}
    await must_commit(issuer, "RegisterClass", [json.dumps(spec)])
    treasury = "Org1MSP/treasury"
    await must_commit(issuer, "Mint", [CLASS_ID, treasury, str(SEED_UNITS * count), ""])
    accounts = [f"Org1MSP/{s}" for s in senders(count)]
    for start in range(0, count, BATCH_LIMIT):
        moves = [{"classId": CLASS_ID, "from": treasury, "to": a, "amount": str(SEED_UNITS)}
                 for a in accounts[start:start + BATCH_LIMIT]]
        await must_commit(operator, "BatchTransfer", [json.dumps(moves)])


async def delta_balance(contract: AsyncContract) -> int:
    return int(json.loads(await contract.evaluate_transaction("GetBalance", CLASS_ID, HOT))["balance"])


async def naive_balance(contract: AsyncContract) -> int:
    return int(await contract.evaluate_transaction("balance", NAIVE_HOT))


async def measure(label: str, net: BenchNet, args: argparse.Namespace,
                  transfer: Operation) -> RunResult:
    report.progress(f"{label}: N={args.in_flight}, {args.warmup:.0f}s warm-up + {args.duration:.0f}s measured")
    result = await measured_run(label, args.in_flight, args.duration, args.warmup, transfer, benchmark_pids(net))
    report.progress(f"{label}: {result.committed} committed, {result.tps:.1f} tx/s, {dict(result.outcomes)}")
    return result


async def run(net: BenchNet, args: argparse.Namespace) -> tuple[list[RunResult], dict[str, Any]]:
    n = args.in_flight
    layout = net.layout
    async with client.gateway_channel(layout, "Org1MSP") as channel:
        issuer = client.contract(channel, layout, net.channel, ASSET_CC, "Org1MSP", "User1")
        operator = client.contract(channel, layout, net.channel, ASSET_CC, "Org1MSP", OPERATOR)
        naive = client.contract(channel, layout, net.channel, NAIVE_CC, "Org1MSP", "User1")
        report.progress(f"seeding {n} sender accounts in both designs")
        await setup_delta(issuer, operator, n)
        await must_commit(naive, "seed", [json.dumps(senders(n)), str(SEED_UNITS)])
        names = senders(n)
        examples: dict[str, dict[str, str]] = {"delta": {}, "naive": {}}

        async def delta(worker: int, _seq: int) -> tuple[str, float]:
            return await submit_and_wait(operator, "Transfer", [CLASS_ID, f"Org1MSP/{names[worker]}", HOT, "1"],
                                         examples["delta"])

        async def single_key(worker: int, _seq: int) -> tuple[str, float]:
            return await submit_and_wait(naive, "transfer", [names[worker], NAIVE_HOT, "1"], examples["naive"])

        results = [await measure("delta keys (chaincode/)", net, args, delta),
                   await measure("naive single key (benchcc)", net, args, single_key)]
        audit = {
            "delta": {"hot_balance": await delta_balance(issuer), "valid_transfers": results[0].all_outcomes["VALID"]},
            "naive": {"hot_balance": await naive_balance(naive), "valid_transfers": results[1].all_outcomes["VALID"]},
        }
    for key, entry in audit.items():
        entry["consistent"] = entry["hot_balance"] == entry["valid_transfers"]
        entry["error_examples"] = examples[key]
    return results, audit


def conflict_rate(result: RunResult) -> float:
    return sum(result.rate(code) for code in CONFLICTS)


def document(args: argparse.Namespace, results: list[RunResult], audit: dict[str, Any]) -> dict[str, Any]:
    delta, naive = results
    return {
        "benchmark": NAME,
        "parameters": network_parameters(args) | {"hot_account": HOT, "delta_design": f"{ASSET_MODULE} Transfer",
                                                  "naive_design": f"{NAIVE_MODULE} transfer"},
        "machine": report.machine_info(),
        "target": "zero MVCC conflicts for the delta design",
        "results": [r.summary() | {"conflict_rate": round(conflict_rate(r), 4)} for r in results],
        "ratios": {"committed_tps_delta_vs_naive": ratio(delta.tps, naive.tps),
                   "conflict_rate_delta": round(conflict_rate(delta), 4),
                   "conflict_rate_naive": round(conflict_rate(naive), 4)},
        "target_met": delta.committed > 0 and conflict_rate(delta) == 0.0,
        "audit": audit,
        "raw": {r.label: r.raw() for r in results},
    }


def print_table(results: list[RunResult], audit: dict[str, Any]) -> None:
    rows = []
    for r, key in zip(results, ("delta", "naive"), strict=True):
        s = r.summary()
        rows.append([r.label, r.total, r.committed, round(r.tps, 1), r.outcomes.get("MVCC_READ_CONFLICT", 0),
                     r.outcomes.get("PHANTOM_READ_CONFLICT", 0), f"{100 * conflict_rate(r):.1f}%",
                     r.total - r.committed - sum(r.outcomes.get(c, 0) for c in CONFLICTS),
                     s["latency_ms"]["p50"], s["latency_ms"]["p99"], r.cpu_ms_per_tx.get("total"),
                     "ok" if audit[key]["consistent"] else "MISMATCH"])
    headers = ["design", "attempted", "committed", "tx/s", "MVCC", "PHANTOM", "conflicts", "other fail", "p50 ms",
               "p99 ms", "CPU ms/tx", "audit"]
    print(report.table(headers, rows))
    print(f"committed tx/s, delta vs naive: x{ratio(results[0].tps, results[1].tps)}")
    for key, entry in audit.items():
        for label, message in entry["error_examples"].items():
            print(f"  {key} {label}: {message[:200]}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    announce_machine()
    chaincodes = {ASSET_CC: ASSET_MODULE, NAIVE_CC: NAIVE_MODULE}
    with running_devnet(args.orgs, args.batch_size, args.batch_timeout_ms, chaincodes, report.progress,
                        keep=args.keep) as net:
        results, audit = asyncio.run(run(net, args))
    print_table(results, audit)
    path = report.write_result(NAME, document(args, results, audit), args.out_dir)
    print(f"result file: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
