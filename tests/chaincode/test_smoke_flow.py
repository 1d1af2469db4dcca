from __future__ import annotations

import pytest
from cc_helpers import balance, fungible, supply

from chaincode.assetregistry.errors import ErrorCode, RegistryError


def test_register_mint_transfer_same_and_cross_org(h, people) -> None:
    h.submit(people.issuer1, "RegisterClass", fungible("BOND"))
    assert h.last_event()[0] == "ClassRegistered"
    alice, bob = people.alice.account(), people.bob.account()
    h.submit(people.issuer1, "Mint", "BOND", alice, "1000", "")
    out = h.submit(people.alice, "Transfer", "BOND", alice, people.alice2.account(), "100")
    assert out["amount"] == "100"
    h.submit(people.alice, "Transfer", "BOND", alice, bob, "250")
    name, event = h.last_event()
    assert name == "Transferred" and event["data"]["to"] == bob and event["schema"] == "assetregistry.event/v1"
    assert balance(h, people.bob, "BOND", alice) == 650
    assert balance(h, people.bob, "BOND", bob) == 250
    assert supply(h, people.bob, "BOND") == 1000
    with pytest.raises(RegistryError) as err:
        h.submit(people.alice, "Transfer", "BOND", alice, bob, "651")
    assert err.value.code is ErrorCode.INSUFFICIENT_BALANCE and err.value.field == "amount"
