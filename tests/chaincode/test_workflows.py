"""Non-fungible items, key-level endorsement, pending transfers, DvP, attestations, forced transfers,
history and pagination."""

from __future__ import annotations

import json

import pytest
from cc_helpers import DOC, balance, fungible, item, nonfungible, supply

from chaincode.assetregistry import keys
from chaincode.assetregistry.endorsement import policy_orgs
from chaincode.assetregistry.errors import ErrorCode, RegistryError
from chaincode.assetregistry.pending import PENDING_TTL_SECONDS


def vp_orgs(h, key: str) -> list[str]:  # type: ignore[no-untyped-def]
    return policy_orgs(h.ledger.metadata(key)["VALIDATION_PARAMETER"])


def test_item_mint_transfer_moves_key_level_policy(h, people) -> None:
    h.submit(people.issuer1, "RegisterClass", nonfungible("PAT"))
    h.submit(people.issuer1, "MintItem", "PAT", people.alice.account(), item("p1", title="Widget"), "")
    key = keys.item_key("PAT", "p1")
    assert vp_orgs(h, key) == ["Org1MSP"]
    with pytest.raises(RegistryError) as err:
        h.submit(people.bob, "TransferItem", "PAT", "p1", people.bob.account())
    assert err.value.code is ErrorCode.UNAUTHORIZED
    h.submit(people.alice, "TransferItem", "PAT", "p1", people.bob.account())
    assert vp_orgs(h, key) == ["Org2MSP"]
    assert h.evaluate(people.carol, "GetItem", "PAT", "p1")["owner"] == people.bob.account()
    owned = h.evaluate(people.bob, "GetItemsByOwner", people.bob.account(), "", "")["items"]
    assert owned == [{"classId": "PAT", "itemId": "p1"}]
    history = h.evaluate(people.bob, "GetAssetHistory", "PAT", "p1")["history"]
    # Newest first, as Fabric returns key history.
    assert [e["value"]["owner"] for e in history] == [people.bob.account(), people.alice.account()]


def test_fungible_base_balance_gets_owner_policy(h, people) -> None:
    h.submit(people.issuer1, "RegisterClass", fungible("SEC"))
    h.submit(people.issuer1, "Mint", "SEC", people.bob.account(), "10", "")
    h.submit(people.bob, "Transfer", "SEC", people.bob.account(), people.alice.account(), "1")
    assert vp_orgs(h, keys.balance_key("SEC", people.bob.account())) == ["Org2MSP"]


def test_pending_cross_org_accept_reject_expire(h, people) -> None:
    alice, bob = people.alice.account(), people.bob.account()
    h.submit(people.issuer1, "RegisterClass", fungible("SEC", requireAcceptance=True))
    h.submit(people.issuer1, "Mint", "SEC", alice, "100", "")
    h.submit(people.alice, "Transfer", "SEC", alice, people.alice2.account(), "5")  # same org: immediate
    first = h.submit(people.alice, "Transfer", "SEC", alice, bob, "10")["pendingId"]
    assert h.last_event()[0] == "TransferProposed"
    assert balance(h, people.bob, "SEC", bob) == 0 and balance(h, people.bob, "SEC", alice) == 85
    listed = h.evaluate(people.bob, "GetPendingTransfers", bob, "", "")["transfers"]
    assert [t["id"] for t in listed] == [first]
    with pytest.raises(RegistryError) as err:
        h.submit(people.alice, "AcceptTransfer", first)
    assert err.value.code is ErrorCode.UNAUTHORIZED
    h.submit(people.bob, "AcceptTransfer", first)
    assert balance(h, people.bob, "SEC", bob) == 10
    second = h.submit(people.alice, "Transfer", "SEC", alice, bob, "20")["pendingId"]
    h.submit(people.bob, "RejectTransfer", second)
    assert balance(h, people.bob, "SEC", alice) == 85
    third = h.submit(people.alice, "Transfer", "SEC", alice, bob, "30")["pendingId"]
    with pytest.raises(RegistryError) as err:
        h.submit(people.alice, "ExpireTransfer", third)
    assert err.value.code is ErrorCode.NOT_EXPIRED
    h.tick(PENDING_TTL_SECONDS)
    with pytest.raises(RegistryError) as err:
        h.submit(people.bob, "AcceptTransfer", third)
    assert err.value.code is ErrorCode.EXPIRED
    h.submit(people.alice, "ExpireTransfer", third)
    assert balance(h, people.bob, "SEC", alice) == 85 and supply(h, people.bob, "SEC") == 100
    assert h.evaluate(people.bob, "GetPendingTransfers", bob, "", "")["transfers"] == []


def test_pending_item_transfer(h, people) -> None:
    h.submit(people.issuer1, "RegisterClass", nonfungible("LOT", "goods", requireAcceptance=True))
    h.submit(people.issuer1, "MintItem", "LOT", people.alice.account(), item("l1"), "")
    pid = h.submit(people.alice, "TransferItem", "LOT", "l1", people.bob.account())["pendingId"]
    assert h.evaluate(people.bob, "GetItem", "LOT", "l1")["owner"].startswith("~escrow/")
    h.submit(people.bob, "AcceptTransfer", pid)
    assert h.evaluate(people.bob, "GetItem", "LOT", "l1")["owner"] == people.bob.account()
    assert vp_orgs(h, keys.item_key("LOT", "l1")) == ["Org2MSP"]


def swap_spec(people, swap_id: str, expires: int, pay: str = "500") -> str:  # type: ignore[no-untyped-def]
    return json.dumps({"id": swap_id, "maker": people.alice.account(), "taker": people.bob.account(),
                       "give": {"classId": "PAT", "itemId": "p1"}, "take": {"classId": "USD", "amount": pay},
                       "expiresAt": expires})


def test_a_deal_needs_two_different_parties_and_the_caller_owns_the_first(h, people) -> None:
    alice = people.alice.account()
    h.submit(people.issuer1, "RegisterClass", fungible("USD", "payment"))
    self_swap = json.dumps({"id": "s0", "maker": alice, "taker": alice, "give": {"classId": "USD", "amount": "1"},
                            "take": {"classId": "USD", "amount": "1"}, "expiresAt": h.now + 100})
    self_receivable = json.dumps({"id": "r0", "creditor": alice, "debtor": alice, "paymentClassId": "USD",
                                  "amount": "1", "dueDate": h.now + 100})
    for function, spec, own, other in (("ProposeSwap", self_swap, "spec.maker", "spec.taker"),
                                       ("CreateReceivable", self_receivable, "spec.creditor", "spec.debtor")):
        with pytest.raises(RegistryError) as err:
            h.submit(people.bob, function, spec)  # not bob's account
        assert (err.value.code, err.value.field) == (ErrorCode.UNAUTHORIZED, own)
        with pytest.raises(RegistryError) as err:
            h.submit(people.alice, function, spec)
        assert (err.value.code, err.value.field) == (ErrorCode.INVALID_ARGUMENT, other)


def test_dvp_settles_both_legs_or_neither(h, people) -> None:
    alice, bob = people.alice.account(), people.bob.account()
    h.submit(people.issuer1, "RegisterClass", nonfungible("PAT"))
    h.submit(people.issuer2, "RegisterClass", fungible("USD", "payment"))
    h.submit(people.issuer1, "MintItem", "PAT", alice, item("p1"), "")
    h.submit(people.issuer2, "Mint", "USD", bob, "400", "")
    h.submit(people.alice, "ProposeSwap", swap_spec(people, "s1", h.now + 100))
    with pytest.raises(RegistryError) as err:
        h.submit(people.alice, "SettleSwap", "s1")
    assert err.value.code is ErrorCode.UNAUTHORIZED
    before = dict(h.ledger.state)
    with pytest.raises(RegistryError) as err:
        h.submit(people.bob, "SettleSwap", "s1")  # bob holds 400 < 500: neither leg moves
    assert err.value.code is ErrorCode.INSUFFICIENT_BALANCE and h.ledger.state == before
    h.submit(people.issuer2, "Mint", "USD", bob, "100", "")
    h.submit(people.bob, "SettleSwap", "s1")
    assert h.evaluate(people.bob, "GetItem", "PAT", "p1")["owner"] == bob
    assert balance(h, people.bob, "USD", alice) == 500 and balance(h, people.bob, "USD", bob) == 0
    assert h.evaluate(people.bob, "GetSwap", "s1")["status"] == "settled"


def test_dvp_cancel_and_expiry(h, people) -> None:
    h.submit(people.issuer1, "RegisterClass", nonfungible("PAT"))
    h.submit(people.issuer2, "RegisterClass", fungible("USD", "payment"))
    h.submit(people.issuer1, "MintItem", "PAT", people.alice.account(), item("p1"), "")
    h.submit(people.alice, "ProposeSwap", swap_spec(people, "s2", h.now + 10))
    with pytest.raises(RegistryError) as err:
        h.submit(people.bob, "CancelSwap", "s2")
    assert err.value.code is ErrorCode.UNAUTHORIZED
    h.tick(20)
    with pytest.raises(RegistryError) as err:
        h.submit(people.bob, "SettleSwap", "s2")
    assert err.value.code is ErrorCode.EXPIRED
    h.submit(people.bob, "CancelSwap", "s2")
    assert h.evaluate(people.bob, "GetItem", "PAT", "p1")["owner"] == people.alice.account()


def test_attestations_gate_minting(h, people) -> None:
    h.submit(people.issuer1, "RegisterClass", fungible("WH", "commodity", minAttestations=2))
    spec = json.dumps({"id": "u1", "classId": "WH", "documentHash": DOC, "valuation": "100000"})
    h.submit(people.issuer1, "RegisterUnderlying", spec)
    for missing in ("", "u1"):
        with pytest.raises(RegistryError) as err:
            h.submit(people.issuer1, "Mint", "WH", people.alice.account(), "10", missing)
        assert err.value.code is ErrorCode.ATTESTATIONS_REQUIRED
    with pytest.raises(RegistryError) as err:
        h.submit(people.auditor2, "AttestUnderlying", "u1", "b" * 64, "ok")
    assert err.value.code is ErrorCode.INVALID_ARGUMENT and err.value.field == "documentHash"
    h.submit(people.auditor2, "AttestUnderlying", "u1", DOC, "inspected")
    with pytest.raises(RegistryError) as err:
        h.submit(people.auditor2, "AttestUnderlying", "u1", DOC, "again")
    assert err.value.code is ErrorCode.ALREADY_EXISTS
    h.submit(people.auditor3, "AttestUnderlying", "u1", DOC, "inspected")
    h.submit(people.issuer1, "Mint", "WH", people.alice.account(), "10", "u1")
    assert h.evaluate(people.bob, "GetUnderlying", "u1")["attestations"] == ["Org2MSP", "Org3MSP"]


def test_forced_transfer_bypasses_freeze_and_is_recorded(h, people) -> None:
    alice, bob = people.alice.account(), people.bob.account()
    h.submit(people.issuer1, "RegisterClass", fungible("SEC"))
    h.submit(people.issuer1, "Mint", "SEC", alice, "50", "")
    h.submit(people.kyc1, "FreezeAccount", alice, "", "lost keys")
    h.submit(people.issuer1, "ForcedTransfer", "SEC", alice, bob, "50", "lost keys, ticket 9")
    name, event = h.last_event()
    assert name == "ForcedTransfer" and event["data"]["reason"] == "lost keys, ticket 9"
    assert balance(h, people.bob, "SEC", bob) == 50
    kinds = [e["kind"] for e in h.evaluate(people.alice, "GetAccountHistory", alice, "", "")["entries"]]
    assert "ForcedTransfer" in kinds
    with pytest.raises(RegistryError) as err:
        h.submit(people.issuer1, "ForcedTransfer", "SEC", bob, alice, "1", " ")
    assert err.value.field == "reason"


def test_pagination_with_bookmarks(h, people) -> None:
    h.submit(people.issuer1, "RegisterClass", fungible("SEC"))
    accounts = [f"Org1MSP/u{i:02d}" for i in range(7)]
    for account in accounts:
        h.submit(people.issuer1, "Mint", "SEC", account, "3", "")
    seen, bookmark = [], ""
    for _ in range(10):
        page = h.evaluate(people.bob, "GetHolders", "SEC", "3", bookmark)
        seen += [holder["account"] for holder in page["holders"]]
        bookmark = page["bookmark"]
        if not bookmark:
            break
    assert seen == accounts
    with pytest.raises(RegistryError) as err:
        h.evaluate(people.bob, "GetHolders", "SEC", "3", "not-a-bookmark!")
    assert err.value.field == "bookmark"
    holdings = h.evaluate(people.bob, "GetHoldings", accounts[0], "", "")["holdings"]
    assert holdings == [{"classId": "SEC", "kind": "fungible", "balance": "3"}]
    assert len(h.evaluate(people.bob, "ListClasses", "", "")["classes"]) == 1


def test_forced_transfer_refuses_escrowed_item(h, people) -> None:
    h.submit(people.issuer1, "RegisterClass", nonfungible("LOT", "goods", requireAcceptance=True))
    h.submit(people.issuer1, "MintItem", "LOT", people.alice.account(), item("l1"), "")
    pid = h.submit(people.alice, "TransferItem", "LOT", "l1", people.bob.account())["pendingId"]
    with pytest.raises(RegistryError) as err:
        h.submit(people.issuer1, "ForcedTransfer", "LOT", "", people.carol.account(), "l1", "court order")
    assert err.value.code is ErrorCode.INVALID_STATE
    h.submit(people.bob, "RejectTransfer", pid)
    h.submit(people.issuer1, "ForcedTransfer", "LOT", "", people.carol.account(), "l1", "court order")
    assert h.evaluate(people.bob, "GetItem", "LOT", "l1")["owner"] == people.carol.account()
