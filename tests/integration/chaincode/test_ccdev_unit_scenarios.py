"""The unit scenarios of ``tests/chaincode/`` run unchanged on devnet through the gateway client.

Each scenario function is imported from its unit-test module and called with ``DevnetHarness`` in place of the
in-memory ``Harness`` and the devnet consortium's users in place of self-made identities. Each gets a fresh
copy of the chaincode (its own namespace), because the scenarios use fixed class ids.

Left out on purpose (they need the in-memory ledger's internals or a clock jump beyond the peer's 15-minute
proposal time window): hot-account simulate/commit ordering and naive-conflict control (covered on devnet by
``test_ccdev_concurrency``), pending-transfer expiry (7 days), receivable settlement after ``tick(1000)``
(covered by ``test_ccdev_flows``), and the memstub/property/authorization-matrix suites.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from integration.chaincode.gwdriver import DevnetHarness, devnet_people
from integration.conftest import AssetNetwork

UNIT_TESTS = Path(__file__).resolve().parents[2] / "chaincode"

SCENARIOS = [
    ("test_smoke_flow", "test_register_mint_transfer_same_and_cross_org"),
    ("test_compliance_rules", "test_kyc_required_and_expires"),
    ("test_compliance_rules", "test_kyc_from_untrusted_provider_does_not_count"),
    ("test_compliance_rules", "test_freeze_global_and_per_class"),
    ("test_compliance_rules", "test_pause_lockup_allowed_orgs"),
    ("test_compliance_rules", "test_max_supply_burn_redeem"),
    ("test_compliance_rules", "test_allowances"),
    ("test_compliance_rules", "test_batch_is_all_or_nothing"),
    ("test_workflows", "test_item_mint_transfer_moves_key_level_policy"),
    ("test_workflows", "test_fungible_base_balance_gets_owner_policy"),
    ("test_workflows", "test_pending_item_transfer"),
    ("test_workflows", "test_dvp_settles_both_legs_or_neither"),
    ("test_workflows", "test_dvp_cancel_and_expiry"),
    ("test_workflows", "test_attestations_gate_minting"),
    ("test_workflows", "test_forced_transfer_bypasses_freeze_and_is_recorded"),
    ("test_workflows", "test_pagination_with_bookmarks"),
    ("test_hot_account_and_payouts", "test_distribution_pro_rata_exact_with_remainder"),
]


def _id(scenario: object) -> str:
    values = getattr(scenario, "values", scenario)
    return str(values[1]).removeprefix("test_")  # type: ignore[index]


def unit_scenario(module: str, name: str) -> Callable[..., Any]:
    if str(UNIT_TESTS) not in sys.path:
        sys.path.append(str(UNIT_TESTS))  # the unit modules import their helpers as ``cc_helpers``
    return getattr(importlib.import_module(module), name)


@pytest.fixture()
def fresh(asset_net: AssetNetwork) -> Iterator[DevnetHarness]:
    name = asset_net.fresh_chaincode("unit")
    try:
        yield DevnetHarness(asset_net, name)
    finally:
        asset_net.retire_chaincode(name)


@pytest.mark.integration
@pytest.mark.parametrize(("module", "name"), SCENARIOS, ids=[_id(s) for s in SCENARIOS])
def test_unit_scenario_on_devnet(asset_net: AssetNetwork, fresh: DevnetHarness, module: str, name: str) -> None:
    unit_scenario(module, name)(fresh, devnet_people(asset_net))
