"""schemathesis against the live gateway's own OpenAPI, on devnet: no request may produce a 500.

What counts as a failure, and why:
- 500 is always a bug: the service promises a problem+json for every failure it understands, and maps
  every Fabric outcome to 4xx/502/503/504 (``gateway/service/errormap.py``); a 500 means an unhandled path.
- 502/503/504 are the documented mappings of Fabric refusing or being unreachable (README "Error mapping");
  with a healthy devnet, 503/504 should not occur, and 502 means the chaincode or Fabric refused the
  proposal. They are collected and printed, not failed, because a fuzzed argument that makes the chaincode
  answer INTERNAL is a chaincode finding, not a gateway one.
- every error answer must be ``application/problem+json`` (RFC 9457), every success must be JSON.

The event stream is left out: it is open-ended by design (it waits for future blocks), so a generated
request would hang; ``test_gsi_events.py`` covers it. Examples per operation are bounded (MAX_EXAMPLES) to
keep the run near a minute; half of the cases keep the generated org/identity (auth paths), half are steered
to Org1's issuer so that the arguments reach the chaincode.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Callable

import pytest
import schemathesis
from gsi_gateway import GatewayProcess
from gsi_world import GatewayWorld, label
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import Case

pytestmark = pytest.mark.integration

MAX_EXAMPLES = 10
FABRIC_MAPPINGS = (502, 503, 504)


def test_fuzzed_requests_never_get_a_500(
    gw_world: GatewayWorld, gateway_factory: Callable[..., GatewayProcess]
) -> None:
    gw = gateway_factory(gw_world.config(gw_world.net.unique("fuzz"), orgs=("Org1", "Org2")))
    schema = schemathesis.openapi.from_url(f"{gw.base}/openapi.json").exclude(path_regex=r"/events$")
    steer = itertools.count()
    statuses: Counter[int] = Counter()
    bugs: list[str] = []
    fabric: list[str] = []

    def check(case: Case) -> None:
        headers = {"X-API-Key": gw_world.api_keys["Org1"]}
        if next(steer) % 2 == 0:
            if "org" in case.path_parameters:
                case.path_parameters["org"] = "Org1"
            headers["X-Fabric-Identity"] = label("Org1", "issuer1")
        response = case.call(base_url=gw.base, headers=headers, timeout=60)
        statuses[response.status_code] += 1
        where = (
            f"{case.method} {case.formatted_path} query={case.query!r} identity={headers.get('X-Fabric-Identity')} "
            f"body={case.body!r} -> {response.status_code}: {response.content[:300]!r}"
        )
        content_type = (response.headers.get("content-type") or [""])[0]
        if response.status_code == 500:
            bugs.append(where)
        elif response.status_code in FABRIC_MAPPINGS:
            fabric.append(where)
        if response.status_code >= 400 and not content_type.startswith("application/problem+json"):
            bugs.append(f"not problem+json ({content_type}): {where}")
        if response.status_code < 300 and "json" in content_type:
            json.loads(response.content)

    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 50
    for operation in operations:

        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case: Case) -> None:
            check(case)

        run()

    print(f"fuzzed {sum(statuses.values())} requests: {dict(sorted(statuses.items()))}")
    for line in fabric:
        print("Fabric mapping:", line)
    if bugs:
        log = [line for line in gw.log_tail(200_000).splitlines() if '"status":500' in line or "Traceback" in line]
        pytest.fail("\n".join(bugs + ["gateway log:", *log[-20:], gw.log_tail(4000)]))
    assert sum(statuses.values()) >= len(operations)
