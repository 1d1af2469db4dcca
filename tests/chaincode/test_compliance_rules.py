"""Transfer rules: KYC with expiry, freezes, pause, lock-up, allowed orgs, max supply, allowances, batches."""

from __future__ import annotations

import json

import pytest
from cc_helpers import balance, fungible, supply

from chaincode.assetregistry.errors import ErrorCode, RegistryError


def refused(code: ErrorCode, h, who, fn, *args) -> RegistryError:  # type: ignore[no-untyped-def]
    before = dict(h.ledger.state)
    with pytest.raises(RegistryError) as err:
        h.submit(who, fn, *args)
    assert err.value.code is code, err.value
    assert h.ledger.state == before  # a refused transaction changes nothing
    return err.value


def setup_class(h, people, **rules) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    h.submit(people.issuer1, "RegisterClass", fungible("SEC", **rules))
    return people.alice.account(), people.bob.account()


def test_kyc_required_and_expires(h, people) -> None:
    alice, bob = setup_class(h, people, kycRequired=True, kycProviders=["Org1MSP", "Org2MSP"])
    refused(ErrorCode.KYC_REQUIRED, h, people.issuer1, "Mint", "SEC", alice, "100", "")
    h.submit(people.kyc1, "GrantKyc", alice, str(h.now + 100))
    h.submit(people.issuer1, "Mint", "SEC", alice, "100", "")
    err = refused(ErrorCode.KYC_REQUIRED, h, people.alice, "Transfer", "SEC", alice, bob, "10")
    assert err.field == "to"
    h.submit(people.kyc2, "GrantKyc", bob, str(h.now + 100))
    h.submit(people.alice, "Transfer", "SEC", alice, bob, "10")
    h.tick(200)
    refused(ErrorCode.KYC_REQUIRED, h, people.alice, "Transfer", "SEC", alice, bob, "10")
    kyc = h.evaluate(people.bob, "GetKyc", bob)["kyc"]
    assert kyc[0]["provider"] == "Org2MSP" and kyc[0]["valid"] is False


def test_kyc_from_untrusted_provider_does_not_count(h, people) -> None:
    alice, bob = setup_class(h, people, kycRequired=True)
    h.submit(people.kyc2, "GrantKyc", alice, str(h.now + 100))
    refused(ErrorCode.KYC_REQUIRED, h, people.issuer1, "Mint", "SEC", alice, "1", "")


def test_freeze_global_and_per_class(h, people) -> None:
    alice, bob = setup_class(h, people)
    h.submit(people.issuer1, "Mint", "SEC", alice, "100", "")
    h.submit(people.kyc1, "FreezeAccount", alice, "", "court order 12")
    assert h.last_event()[0] == "AccountFrozen"
    refused(ErrorCode.ACCOUNT_FROZEN, h, people.alice, "Transfer", "SEC", alice, bob, "1")
    refused(ErrorCode.ACCOUNT_FROZEN, h, people.bob, "Transfer", "SEC", bob, alice, "1")
    h.submit(people.kyc1, "UnfreezeAccount", alice, "*", "released")
    h.submit(people.issuer1, "FreezeAccount", bob, "SEC", "suspicious")
    refused(ErrorCode.ACCOUNT_FROZEN, h, people.alice, "Transfer", "SEC", alice, bob, "1")
    h.submit(people.issuer1, "UnfreezeAccount", bob, "SEC", "cleared")
    h.submit(people.alice, "Transfer", "SEC", alice, bob, "1")
    refused(ErrorCode.INVALID_STATE, h, people.issuer1, "UnfreezeAccount", bob, "SEC", "again")


def test_pause_lockup_allowed_orgs(h, people) -> None:
    alice, bob = setup_class(h, people, allowedOrgs=["Org1MSP"])
    h.submit(people.issuer1, "Mint", "SEC", alice, "100", "")
    refused(ErrorCode.ORG_NOT_ALLOWED, h, people.alice, "Transfer", "SEC", alice, bob, "1")
    refused(ErrorCode.ORG_NOT_ALLOWED, h, people.issuer1, "Mint", "SEC", bob, "1", "")
    h.submit(people.issuer1, "UpdateClassRules", "SEC", json.dumps({"lockupUntil": h.now + 50}))
    refused(ErrorCode.LOCKED_UP, h, people.alice, "Transfer", "SEC", alice, bob, "1")
    h.tick(60)
    h.submit(people.alice, "Transfer", "SEC", alice, bob, "1")
    h.submit(people.issuer1, "PauseClass", "SEC")
    refused(ErrorCode.CLASS_PAUSED, h, people.alice, "Transfer", "SEC", alice, bob, "1")
    refused(ErrorCode.CLASS_PAUSED, h, people.issuer1, "Mint", "SEC", alice, "1", "")
    h.submit(people.issuer1, "UnpauseClass", "SEC")
    h.submit(people.alice, "Transfer", "SEC", alice, bob, "1")
    assert balance(h, people.bob, "SEC", bob) == 2


def test_max_supply_burn_redeem(h, people) -> None:
    alice, _ = setup_class(h, people, maxSupply="1000")
    h.submit(people.issuer1, "Mint", "SEC", alice, "1000", "")
    refused(ErrorCode.MAX_SUPPLY_EXCEEDED, h, people.issuer1, "Mint", "SEC", alice, "1", "")
    h.submit(people.alice, "Burn", "SEC", alice, "300", "")
    h.submit(people.alice, "Redeem", "SEC", alice, "200", "invoice 7")
    assert h.last_event()[0] == "Redeemed"
    assert supply(h, people.bob, "SEC") == 500
    refused(ErrorCode.INSUFFICIENT_BALANCE, h, people.alice, "Burn", "SEC", alice, "501", "")


def test_allowances(h, people) -> None:
    alice, bob = setup_class(h, people)
    h.submit(people.issuer1, "Mint", "SEC", alice, "100", "")
    h.submit(people.alice, "Approve", "SEC", alice, bob, "30")
    refused(ErrorCode.INSUFFICIENT_ALLOWANCE, h, people.bob, "TransferFrom", "SEC", alice, bob,
            people.carol.account(), "31")
    h.submit(people.bob, "TransferFrom", "SEC", alice, bob, people.carol.account(), "20")
    assert h.evaluate(people.bob, "GetAllowance", "SEC", alice, bob)["amount"] == "10"
    refused(ErrorCode.UNAUTHORIZED, h, people.carol, "TransferFrom", "SEC", alice, bob, people.carol.account(), "1")
    assert balance(h, people.carol, "SEC", people.carol.account()) == 20


def test_batch_is_all_or_nothing(h, people) -> None:
    alice, bob = setup_class(h, people)
    h.submit(people.issuer1, "Mint", "SEC", alice, "100", "")
    carol = people.carol.account()
    ok = [{"classId": "SEC", "from": alice, "to": bob, "amount": "60"},
          {"classId": "SEC", "from": alice, "to": carol, "amount": "40"}]
    bad = [*ok[:1], {"classId": "SEC", "from": alice, "to": carol, "amount": "41"}]
    err = refused(ErrorCode.INSUFFICIENT_BALANCE, h, people.alice, "BatchTransfer", json.dumps(bad))
    assert err.field == "transfers[1].amount"
    h.submit(people.alice, "BatchTransfer", json.dumps(ok))
    assert h.last_event()[0] == "BatchTransferred"
    assert [balance(h, people.bob, "SEC", a) for a in (alice, bob, carol)] == [0, 60, 40]


@pytest.mark.parametrize("amount,field", [("1.5", "amount"), ("-1", "amount"), ("01", "amount"), ("1e3", "amount"),
                                          ("", "amount"), ("0", "amount")])
def test_bad_amounts_name_the_field(h, people, amount: str, field: str) -> None:
    alice, bob = setup_class(h, people)
    err = refused(ErrorCode.INVALID_ARGUMENT, h, people.issuer1, "Mint", "SEC", alice, amount, "")
    assert err.field == field


def test_float_in_json_spec_is_refused(h, people) -> None:
    spec = '{"id":"F","kind":"fungible","category":"payment","decimals":2.0}'
    err = refused(ErrorCode.INVALID_ARGUMENT, h, people.issuer1, "RegisterClass", spec)
    assert err.field == "spec"
