"""Concurrency on devnet: the hot-account delta design commits concurrent credits without MVCC conflicts, and
the shim's concurrent-stream defect (2) is worked around (20 transactions in flight all commit)."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from fabric_protos.peer import transaction_pb2

from integration.chaincode.gwdriver import DevnetHarness, DevnetPeople, devnet_people
from integration.conftest import AssetNetwork

VALID = transaction_pb2.TxValidationCode.VALID
MVCC_READ_CONFLICT = transaction_pb2.TxValidationCode.MVCC_READ_CONFLICT


def funded_senders(h: DevnetHarness, people: DevnetPeople, cls: str, count: int, each: int) -> list[str]:
    """``count`` Org1 accounts holding ``each`` units, set up with one mint and one batch transfer."""
    pool = "Org1MSP/pool"
    senders = [f"Org1MSP/s{i:02d}" for i in range(count)]
    h.submit(people.issuer1, "RegisterClass", json.dumps({"id": cls, "kind": "fungible", "category": "payment",
                                                          "decimals": 2}))
    h.submit(people.issuer1, "Mint", cls, pool, str(count * each), "")
    batch = [{"classId": cls, "from": pool, "to": s, "amount": str(each)} for s in senders]
    h.submit(people.op1, "BatchTransfer", json.dumps(batch))
    return senders


def balance(h: DevnetHarness, people: DevnetPeople, cls: str, account: str) -> int:
    return int(h.evaluate(people.carol, "GetBalance", cls, account)["balance"])


@pytest.mark.integration
def test_credits_endorsed_on_one_snapshot_all_commit(asset_net: AssetNetwork) -> None:
    """8 transfers into one account are all endorsed before any is ordered (same world-state snapshot), then
    submitted together: every one is VALID, because a credit writes a fresh delta key and reads nothing of the
    receiver's balance. The control - two debits of one account on one snapshot - shows the second one
    invalidated by MVCC, so the first result is not an accident of the network."""
    h, people = DevnetHarness(asset_net), devnet_people(asset_net)
    cls = asset_net.unique("HOT")
    senders = funded_senders(h, people, cls, 8, 10)
    treasury = people.bob.account()
    op1 = asset_net.gateway("Org1MSP", "op1").get_network(asset_net.channel).get_contract(asset_net.chaincode)
    endorsed = [op1.new_proposal("Transfer", [cls, s, treasury, "7"]).endorse() for s in senders]
    submitted = [tx.submit() for tx in endorsed]
    statuses = [s.get_status() for s in submitted]
    assert [s.code for s in statuses] == [VALID] * len(senders)
    h.ledger.wait_height(max(s.block_number for s in statuses) + 1)
    assert balance(h, people, cls, treasury) == 56
    compacted = h.submit(people.bob, "Compact", cls, treasury)
    assert compacted["foldedDeltas"] == 8 and compacted["balance"] == "56"
    assert balance(h, people, cls, treasury) == 56

    pool_debits = [op1.new_proposal("Transfer", [cls, senders[0], dest, "1"]).endorse()
                   for dest in (people.alice.account(), people.carol.account())]
    statuses = [tx.submit().get_status() for tx in pool_debits]
    assert [s.code for s in statuses] == [VALID, MVCC_READ_CONFLICT]
    h.ledger.wait_height(max(s.block_number for s in statuses) + 1)
    assert balance(h, people, cls, senders[0]) == 2


@pytest.mark.integration
def test_twenty_in_flight_submits_all_commit(asset_net: AssetNetwork) -> None:
    """20 clients submit at once (endorse, order, wait for commit), all crediting one treasury: the chaincode
    server handles 20 overlapping transactions on its one peer stream and every transaction is VALID."""
    h, people = DevnetHarness(asset_net), devnet_people(asset_net)
    cls = asset_net.unique("FLIGHT")
    senders = funded_senders(h, people, cls, 20, 10)
    treasury = people.bob.account()
    for msp in ("Org1MSP", "Org2MSP", "Org3MSP"):
        asset_net.grpc_channel(msp)  # open the shared channels before the threads start

    def credit(sender: str) -> tuple[int, str, int]:
        contract = asset_net.contract("Org1MSP", "op1")
        submitted = contract.submit_async("Transfer", [cls, sender, treasury, "7"])
        status = submitted.get_status()
        return status.code, json.loads(submitted.result)["to"], status.block_number

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(credit, senders))
    elapsed = time.monotonic() - started
    print(f"20 in-flight submits committed in {elapsed:.2f}s")
    assert [r[:2] for r in results] == [(VALID, treasury)] * 20
    h.ledger.wait_height(max(r[2] for r in results) + 1)
    assert balance(h, people, cls, treasury) == 140
    assert sum(balance(h, people, cls, s) for s in senders) == 60
    assert int(h.evaluate(people.carol, "GetClass", cls)["supply"]) == 200
