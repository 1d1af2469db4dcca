"""The shared fixture itself: the asset chaincode answers on every org's peer, for each org's own users."""

from __future__ import annotations

import json

import pytest

from integration.conftest import AssetNetwork


@pytest.mark.integration
def test_whoami_on_every_org_peer_reports_the_certificate_identity(asset_net: AssetNetwork) -> None:
    for msp, user, role in (("Org1MSP", "User1", "issuer"), ("Org1MSP", "issuer1", "issuer"),
                            ("Org2MSP", "auditor2", "auditor"), ("Org3MSP", "carol", None)):
        me = json.loads(asset_net.contract(msp, user).evaluate_transaction("WhoAmI"))
        assert me["msp"] == msp
        assert f"{msp}/{me['cn']}" == asset_net.account(msp, user)
        assert (role in me.get("roles", [])) if role else not me.get("roles")
