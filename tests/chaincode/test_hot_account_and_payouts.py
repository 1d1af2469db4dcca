"""Hot-account delta keys under concurrent endorsement, compaction, distributions and receivables."""

from __future__ import annotations

import json

import pytest
from cc_helpers import DOC, balance, fungible, supply

from chaincode.assetregistry import keys
from chaincode.assetregistry.errors import ErrorCode, RegistryError
from chaincode.testing.memstub import MvccConflict


def test_concurrent_credits_to_one_account_all_commit(h, people) -> None:
    """20 transfers into one treasury, all endorsed on the same snapshot, committed in one block."""
    h.submit(people.issuer1, "RegisterClass", fungible("USD", "payment"))
    senders = [f"Org1MSP/s{i:02d}" for i in range(20)]
    for account in senders:
        h.submit(people.issuer1, "Mint", "USD", account, "10", "")
    treasury = people.bob.account()
    simulated = []
    for account in senders:
        stub, result = h.simulate(people.op1, "Transfer", "USD", account, treasury, "7")
        assert not isinstance(result, RegistryError), result
        # a credit reads none of the receiver's balance keys (only its rarely-written compliance keys)
        read_types = {keys.split(key)[0] for key in stub.reads if treasury in key}
        assert read_types <= {"FROZEN", "KYC"}, read_types
        assert not any(treasury in start for start, _, _, _ in stub.ranges)
        simulated.append(stub)
    for stub in simulated:
        h.ledger.commit(stub)
    h.ledger.next_block()
    assert balance(h, people.bob, "USD", treasury) == 140
    compacted = h.submit(people.bob, "Compact", "USD", treasury)
    assert compacted["foldedDeltas"] == 20 and compacted["balance"] == "140"
    start, end = keys.delta_range("USD", treasury)
    assert h.ledger.range(start, end) == []
    assert balance(h, people.bob, "USD", treasury) == 140


def test_naive_read_modify_write_would_conflict(h, people) -> None:
    """Control: two debits of one account on one snapshot — the second must fail validation."""
    h.submit(people.issuer1, "RegisterClass", fungible("USD", "payment"))
    h.submit(people.issuer1, "Mint", "USD", people.alice.account(), "10", "")
    first, _ = h.simulate(people.alice, "Transfer", "USD", people.alice.account(), people.bob.account(), "1")
    second, _ = h.simulate(people.alice, "Transfer", "USD", people.alice.account(), people.carol.account(), "1")
    h.ledger.commit(first)
    with pytest.raises(MvccConflict):
        h.ledger.commit(second)


def test_distribution_pro_rata_exact_with_remainder(h, people) -> None:
    h.submit(people.issuer1, "RegisterClass", fungible("EQ"))
    h.submit(people.issuer1, "RegisterClass", fungible("USD", "payment"))
    holders = {"Org1MSP/a": 1, "Org1MSP/b": 1, "Org2MSP/c": 1}
    for account, amount in holders.items():
        h.submit(people.issuer1, "Mint", "EQ", account, str(amount), "")
    payer = people.issuer1.account()
    h.submit(people.issuer1, "Mint", "USD", payer, "100", "")
    spec = {"id": "d1", "classId": "EQ", "paymentClassId": "USD", "payer": payer, "amount": "100"}
    h.submit(people.issuer1, "CreateDistribution", json.dumps(spec))
    with pytest.raises(RegistryError) as err:
        h.submit(people.issuer1, "Mint", "EQ", "Org1MSP/a", "1", "")
    assert err.value.code is ErrorCode.INVALID_STATE  # class frozen at the record date
    first = h.submit(people.carol, "ProcessDistribution", "d1", "2")
    assert first["status"] == "open" and first["holdersPaid"] == 2
    done = h.submit(people.carol, "ProcessDistribution", "d1", "2")
    assert done["status"] == "completed" and done["remainder"] == "1"
    assert [balance(h, people.bob, "USD", a) for a in holders] == [33, 33, 33]
    assert balance(h, people.bob, "USD", payer) == 1 and supply(h, people.bob, "USD") == 100
    h.submit(people.issuer1, "Mint", "EQ", "Org1MSP/a", "1", "")  # unlocked again
    with pytest.raises(RegistryError) as err:
        h.submit(people.carol, "ProcessDistribution", "d1", "2")
    assert err.value.code is ErrorCode.INVALID_STATE


def test_receivable_split_sold_and_settled_pro_rata(h, people) -> None:
    h.submit(people.issuer2, "RegisterClass", fungible("USD", "payment"))
    debtor, creditor, financier = people.bob.account(), people.alice.account(), people.carol.account()
    spec = {"id": "inv1", "creditor": creditor, "debtor": debtor, "paymentClassId": "USD", "amount": "1000",
            "dueDate": h.now + 1000, "documentHash": DOC}
    h.submit(people.alice, "CreateReceivable", json.dumps(spec))
    h.submit(people.alice, "Transfer", "rcv.inv1", creditor, financier, "600")  # sell 60% to a financier
    h.submit(people.issuer2, "Mint", "USD", debtor, "1000", "")
    h.tick(1000)
    settled = h.submit(people.bob, "SettleReceivable", "inv1", debtor)  # two holders: settles in this tx
    assert settled["status"] == "settled"
    assert sorted(p["amount"] for p in h.last_event()[1]["data"]["payments"]) == ["400", "600"]
    assert balance(h, people.bob, "USD", financier) == 600
    assert balance(h, people.bob, "USD", creditor) == 400
    assert h.evaluate(people.bob, "GetReceivable", "inv1")["status"] == "settled"
    with pytest.raises(RegistryError) as err:
        h.submit(people.alice, "Transfer", "rcv.inv1", creditor, financier, "1")
    assert err.value.code is ErrorCode.INVALID_STATE
