"""Property-based: any sequence of transfers, batches, swaps and distributions conserves total supply,
never leaves a negative balance, and a refused transaction changes nothing."""

from __future__ import annotations

import json

from cc_helpers import fungible
from fabric_chaincode_python.fabric_contract_api import ContractChaincode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chaincode.assetregistry import keys
from chaincode.assetregistry.contract import AssetRegistry
from chaincode.assetregistry.errors import RegistryError
from chaincode.testing.certs import make_identity
from chaincode.testing.harness import Harness

CHAINCODE = ContractChaincode.new_chaincode(AssetRegistry())
ISSUER = make_identity("Org1MSP", "issuer1", {"role": "issuer"})
USERS = [make_identity("Org1MSP", "a"), make_identity("Org1MSP", "b"), make_identity("Org2MSP", "c"),
         make_identity("Org3MSP", "d")]
CLASSES = ["EQ", "USD"]
MINTED = {"EQ": 100, "USD": 1000}

amounts = st.integers(min_value=0, max_value=400)
users = st.integers(min_value=0, max_value=len(USERS) - 1)
ops = st.one_of(
    st.tuples(st.just("transfer"), st.sampled_from(CLASSES), users, users, amounts),
    st.tuples(st.just("batch"), st.sampled_from(CLASSES), users, users, amounts, amounts),
    st.tuples(st.just("swap"), users, users, amounts, amounts, st.booleans()),
    st.tuples(st.just("distribute"), amounts, st.integers(min_value=1, max_value=3)),
    st.tuples(st.just("resolve"), st.sampled_from(["AcceptTransfer", "RejectTransfer", "ExpireTransfer"])),
)


def world() -> Harness:
    h = Harness(chaincode=CHAINCODE)
    h.submit(ISSUER, "RegisterClass", fungible("EQ", requireAcceptance=True))  # cross-org moves wait
    h.submit(ISSUER, "RegisterClass", fungible("USD", "payment"))
    for index, user in enumerate(USERS):
        h.submit(ISSUER, "Mint", "EQ", user.account(), str(25), "")
        h.submit(ISSUER, "Mint", "USD", user.account(), str(200 + 50 * index), "")
    h.submit(ISSUER, "Mint", "USD", ISSUER.account(), "50", "")
    return h


def stored_amounts(h: Harness, class_id: str) -> dict[str, int]:
    totals: dict[str, int] = {}
    for object_type in ("BAL", "DELTA"):
        start, end = keys.prefix_range(object_type, class_id)
        for key, entry in h.ledger.range(start, end):
            amount = int(json.loads(entry.value)["amount"])
            assert amount >= 0, key
            account = keys.split(key)[1][1]
            totals[account] = totals.get(account, 0) + amount
    return totals


def check_invariants(h: Harness) -> None:
    for class_id in CLASSES:
        held = stored_amounts(h, class_id)
        assert all(v >= 0 for v in held.values())
        supply = int(json.loads(h.ledger.get(keys.supply_key(class_id)).value)["supply"])
        assert sum(held.values()) == supply
    assert int(json.loads(h.ledger.get(keys.supply_key("EQ")).value)["supply"]) == MINTED["EQ"]


def attempt(h: Harness, who, fn: str, *args: str) -> bool:  # type: ignore[no-untyped-def]
    before = {k: (e.value, e.version) for k, e in h.ledger.state.items()}
    try:
        h.submit(who, fn, *args)
        return True
    except RegistryError:
        assert {k: (e.value, e.version) for k, e in h.ledger.state.items()} == before
        return False


def run(h: Harness, op: tuple, n: int, pending: list[tuple[str, int, int]]) -> None:  # type: ignore[type-arg]
    kind = op[0]
    if kind == "transfer":
        _, cls, i, j, amount = op
        before = len(h.ledger.events)
        if attempt(h, USERS[i], "Transfer", cls, USERS[i].account(), USERS[j].account(), str(amount)):
            name, event = h.ledger.events[before][1], h.last_event()[1]
            if name == "TransferProposed":
                pending.append((event["data"]["pendingId"], i, j))
    elif kind == "resolve":
        if pending:
            transfer_id, i, j = pending.pop(0)
            who = USERS[i] if op[1] == "ExpireTransfer" else USERS[j]
            if op[1] == "ExpireTransfer":
                h.tick(8 * 24 * 3600)
            assert attempt(h, who, op[1], transfer_id)
    elif kind == "batch":
        _, cls, i, j, x, y = op
        moves = [{"classId": cls, "from": USERS[i].account(), "to": USERS[j].account(), "amount": str(x)},
                 {"classId": cls, "from": USERS[i].account(), "to": USERS[(j + 1) % 4].account(), "amount": str(y)}]
        attempt(h, USERS[i], "BatchTransfer", json.dumps(moves))
    elif kind == "swap":
        _, i, j, give, take, settle = op
        spec = {"id": f"s{n}", "maker": USERS[i].account(), "taker": USERS[j].account(),
                "give": {"classId": "EQ", "amount": str(give)}, "take": {"classId": "USD", "amount": str(take)},
                "expiresAt": h.now + 10**7}
        if attempt(h, USERS[i], "ProposeSwap", json.dumps(spec)):
            check_invariants(h)
            if not (settle and attempt(h, USERS[j], "SettleSwap", f"s{n}")):
                assert attempt(h, USERS[i], "CancelSwap", f"s{n}")
    else:
        _, amount, page = op
        spec = {"id": f"d{n}", "classId": "EQ", "paymentClassId": "USD", "payer": ISSUER.account(),
                "amount": str(amount)}
        if attempt(h, ISSUER, "CreateDistribution", json.dumps(spec)):
            for _ in range(10):
                check_invariants(h)
                done = h.submit(USERS[0], "ProcessDistribution", f"d{n}", str(page))
                if done["status"] == "completed":
                    break
            assert done["status"] == "completed"


@settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ops, min_size=1, max_size=10))
def test_supply_conserved_no_negative_failed_tx_changes_nothing(sequence: list[tuple]) -> None:  # type: ignore[type-arg]
    h = world()
    check_invariants(h)
    pending: list[tuple[str, int, int]] = []
    for n, op in enumerate(sequence):
        run(h, op, n, pending)
        check_invariants(h)


@settings(max_examples=25, deadline=None)
@given(st.sets(st.integers(min_value=0, max_value=99), min_size=1, max_size=12), st.integers(min_value=1, max_value=5))
def test_bookmark_pages_return_every_holder_exactly_once(ids: set[int], page_size: int) -> None:
    h = Harness(chaincode=CHAINCODE)
    h.submit(ISSUER, "RegisterClass", fungible("EQ"))
    accounts = sorted(f"Org2MSP/h{i:02d}" for i in ids)
    for account in accounts:
        h.submit(ISSUER, "Mint", "EQ", account, "1", "")
    seen, bookmark = [], ""
    for _ in range(len(accounts) + 1):
        page = h.evaluate(USERS[0], "GetHolders", "EQ", str(page_size), bookmark)
        assert len(page["holders"]) <= page_size
        seen += [holder["account"] for holder in page["holders"]]
        bookmark = page["bookmark"]
        if not bookmark:
            break
    assert seen == accounts
