"""Authorisation matrix: every mutating transaction x every identity that must be refused is refused
with UNAUTHORIZED and writes nothing; authority comes from the identity, never from arguments."""

from __future__ import annotations

import json

import pytest
from cc_helpers import DOC, fungible, item, nonfungible

from chaincode.assetregistry.contract import EVALUATE
from chaincode.assetregistry.errors import ErrorCode, RegistryError
from chaincode.testing.certs import make_identity
from chaincode.testing.harness import Harness

ALICE, BOB, CAROL = "Org1MSP/alice", "Org2MSP/bob", "Org3MSP/carol"
EXTRA = {
    "op2": make_identity("Org2MSP", "op2", {"role": "operator"}),
    "auditor1": make_identity("Org1MSP", "auditor1", {"role": "auditor"}),
    "alice_other_org": make_identity("Org2MSP", "alice"),  # same CN, wrong MSP
}


@pytest.fixture(scope="module")
def world(people):  # type: ignore[no-untyped-def]
    h = Harness()
    p = people
    h.submit(p.issuer1, "RegisterClass", fungible("SEC", requireAcceptance=True))
    h.submit(p.issuer1, "RegisterClass", nonfungible("PAT"))
    h.submit(p.issuer2, "RegisterClass", fungible("USD", "payment"))
    h.submit(p.issuer1, "Mint", "SEC", ALICE, "1000", "")
    h.submit(p.issuer2, "Mint", "USD", BOB, "1000", "")
    h.submit(p.issuer1, "MintItem", "PAT", ALICE, item("p1"), "")
    h.submit(p.issuer1, "RegisterUnderlying",
             json.dumps({"id": "u1", "classId": "SEC", "documentHash": DOC, "valuation": "1"}))
    h.submit(p.bob, "Approve", "USD", BOB, CAROL, "100")
    pending = h.submit(p.alice, "Transfer", "SEC", ALICE, BOB, "10")["pendingId"]
    h.submit(p.alice, "ProposeSwap", json.dumps({"id": "s1", "maker": ALICE, "taker": BOB,
                                                  "give": {"classId": "PAT", "itemId": "p1"},
                                                  "take": {"classId": "USD", "amount": "5"},
                                                  "expiresAt": h.now + 10_000}))
    h.submit(p.kyc1, "GrantKyc", ALICE, str(h.now + 10_000))
    h.submit(p.bob, "CreateReceivable", json.dumps({"id": "r1", "creditor": BOB, "debtor": ALICE,
                                                     "paymentClassId": "USD", "amount": "10",
                                                     "dueDate": h.now + 10_000, "documentHash": DOC}))
    h.submit(p.issuer1, "MintItem", "PAT", ALICE, item("p2"), "")
    return h, pending


def cases(p, pending: str) -> list[tuple[str, list[str], list[str]]]:  # type: ignore[no-untyped-def]
    batch = json.dumps([{"classId": "SEC", "from": ALICE, "to": "Org1MSP/alice2", "amount": "1"}])
    swap = json.dumps({"id": "s9", "maker": ALICE, "taker": BOB, "give": {"classId": "SEC", "amount": "1"},
                       "take": {"classId": "USD", "amount": "1"}, "expiresAt": 2_000_000_000})
    dist = json.dumps({"id": "d1", "classId": "SEC", "paymentClassId": "USD", "payer": "Org1MSP/issuer1",
                       "amount": "1"})
    rcv = json.dumps({"id": "r9", "creditor": ALICE, "debtor": BOB, "paymentClassId": "USD", "amount": "1",
                      "dueDate": 2_000_000_000, "documentHash": DOC})
    return [
        ("RegisterClass", [fungible("NEW")], ["alice", "kyc1", "auditor2", "op1"]),
        ("UpdateClassRules", ["SEC", "{}"], ["issuer2", "alice", "kyc1", "op1"]),
        ("PauseClass", ["SEC"], ["issuer2", "alice", "kyc1", "op1", "auditor2"]),
        ("UnpauseClass", ["SEC"], ["issuer2", "alice", "op1"]),
        ("RegisterUnderlying", [json.dumps({"id": "u9", "classId": "SEC", "documentHash": DOC, "valuation": "1"})],
         ["issuer2", "alice", "op1"]),
        ("AttestUnderlying", ["u1", DOC, "ok"], ["issuer1", "alice", "bob", "auditor1"]),
        ("Mint", ["SEC", ALICE, "1", ""], ["issuer2", "alice", "op1", "kyc1"]),
        ("MintItem", ["PAT", ALICE, item("p9"), ""], ["issuer2", "alice", "op1"]),
        ("Burn", ["SEC", ALICE, "1", ""], ["bob", "alice2", "issuer1", "op2", "alice_other_org"]),
        ("Redeem", ["SEC", ALICE, "1", "r"], ["bob", "alice2", "issuer1", "op2", "alice_other_org"]),
        ("BurnItem", ["PAT", "p2", ""], ["bob", "op2", "issuer2", "alice2"]),
        ("Transfer", ["SEC", ALICE, "Org1MSP/alice2", "1"], ["bob", "alice2", "op2", "issuer1", "alice_other_org"]),
        ("TransferItem", ["PAT", "p2", BOB], ["bob", "op2", "alice2"]),
        ("BatchTransfer", [batch], ["bob", "op2", "alice2"]),
        ("Approve", ["SEC", ALICE, BOB, "1"], ["bob", "op2", "alice2"]),
        ("TransferFrom", ["USD", BOB, CAROL, ALICE, "1"], ["alice", "bob", "op1", "op2"]),
        ("AcceptTransfer", [pending], ["alice", "op1", "carol"]),
        ("RejectTransfer", [pending], ["alice", "op1", "carol"]),
        ("ExpireTransfer", [pending], ["carol", "alice2", "auditor3"]),
        ("ForcedTransfer", ["SEC", ALICE, BOB, "1", "court"], ["issuer2", "alice", "op1", "kyc1"]),
        ("Compact", ["USD", BOB], ["alice", "op1", "carol"]),
        ("ProposeSwap", [swap], ["bob", "op2", "alice2"]),
        ("SettleSwap", ["s1"], ["alice", "op1", "carol"]),
        ("CancelSwap", ["s1"], ["bob", "carol", "op2"]),
        ("GrantKyc", [ALICE, "2000000000"], ["alice", "issuer1", "op1", "auditor2"]),
        ("RevokeKyc", [ALICE], ["alice", "issuer1", "op1"]),
        ("FreezeAccount", [ALICE, "", "r"], ["kyc2", "alice", "issuer1", "op1"]),
        ("FreezeAccount", [ALICE, "SEC", "r"], ["issuer2", "kyc1", "alice"]),
        ("UnfreezeAccount", [ALICE, "*", "r"], ["kyc2", "alice", "issuer1"]),
        ("UnfreezeAccount", [ALICE, "SEC", "r"], ["issuer2", "kyc1", "alice"]),
        ("CreateDistribution", [dist], ["issuer2", "alice", "op1"]),
        ("CreateReceivable", [rcv], ["bob", "op2", "alice2"]),
        ("SettleReceivable", ["r1", ALICE], ["bob", "op2", "carol"]),
    ]


PERMISSIONLESS = {"ProcessDistribution"}  # amounts fixed by the record; documented in the README


def identity(people, name: str):  # type: ignore[no-untyped-def]
    return EXTRA[name] if name in EXTRA else getattr(people, name)


def test_every_mutating_transaction_is_in_the_matrix(world, people) -> None:
    h, pending = world
    functions = set(h.chaincode._contracts["AssetRegistry"].functions) - set(EVALUATE) - PERMISSIONLESS
    assert {fn for fn, _, _ in cases(people, pending)} == functions


def test_matrix_refuses(world, people) -> None:
    h, pending = world
    failures = []
    for fn, args, refused in cases(people, pending):
        for name in refused:
            stub, result = h.simulate(identity(people, name), fn, *args)
            ok = isinstance(result, RegistryError) and result.code is ErrorCode.UNAUTHORIZED
            if not ok or stub.writes or stub.metadata_writes or stub.event:
                failures.append(f"{fn} as {name}: {result}")
    assert failures == []


def test_matrix_allows_the_rightful_caller(world, people) -> None:
    """Control: the same calls succeed for the authorised identity, so refusals above are about identity."""
    h, pending = world
    allowed = {"Transfer": "alice", "Burn": "op1", "AcceptTransfer": "bob", "SettleSwap": "bob",
               "Compact": "op2", "GrantKyc": "kyc2", "FreezeAccount": "issuer1", "Mint": "issuer1"}
    by_fn = {fn: args for fn, args, _ in cases(people, pending)}
    for fn, name in allowed.items():
        _, result = h.simulate(identity(people, name), fn, *by_fn[fn])
        assert not isinstance(result, RegistryError), (fn, name, result)


def test_every_committed_transaction_emitted_one_enveloped_event(world) -> None:
    h, _ = world
    from chaincode.assetregistry.events import EVENT_TYPES, SCHEMA

    assert len(h.ledger.events) == 13  # one per submitted transaction of the fixture
    for tx_id, name, payload in h.ledger.events:
        body = json.loads(payload)
        assert name in EVENT_TYPES and body["type"] == name and body["schema"] == SCHEMA
        assert body["txId"] == tx_id and isinstance(body["time"], int) and set(body["actor"]) == {"msp", "cn"}
