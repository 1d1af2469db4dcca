"""Schemathesis-style fuzzing: arbitrary paths, bodies and headers against every operation -> never a 5xx,
and every error is problem+json. The Fabric side is the FabricPort double (it accepts whatever is sent)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from svc_support import build_world

from gateway.auth.apikeys import new_api_key
from gateway.service.app import create_app

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
HEADER_TEXT = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=80)


def test_no_5xx_anywhere(tmp_path: Path) -> None:
    world = build_world(tmp_path)
    app = create_app(world.runtime, recover_on_start=False)
    operations = [(m.upper(), p, op) for p, ops in app.openapi()["paths"].items() for m, op in ops.items()]
    client = TestClient(app, raise_server_exceptions=False)
    key, record = new_api_key("Org1", ["org1-alice", "org1-bob"], ["read", "submit", "events"], 1e9, 10**9)
    world.runtime.api_keys.add(record)  # no rate limit: every example reaches the endpoint

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        index=st.integers(0, len(operations) - 1),
        params=st.dictionaries(
            st.sampled_from(["org", "class_id", "account", "txid", "operation_id", "item_id"]),
            st.text(max_size=30),
            max_size=6,
        ),
        body=st.one_of(
            st.none(),
            JSON,
            st.fixed_dictionaries({"function": st.text(max_size=10)}, optional={"args": JSON, "transient": JSON}),
        ),
        headers=st.dictionaries(
            st.sampled_from(["Idempotency-Key", "Last-Event-ID", "X-Fabric-Identity"]), HEADER_TEXT, max_size=3
        ),
        query=st.dictionaries(
            st.sampled_from(["mode", "page_size", "start_block", "limit", "name"]), st.text(max_size=10), max_size=3
        ),
    )
    def check(index: int, params: dict[str, str], body: Any, headers: dict[str, str], query: dict[str, str]) -> None:
        method, path, _ = operations[index]
        defaults = {"org": "Org1"}

        def fill(m: re.Match[str]) -> str:
            return quote(params.get(m.group(1), defaults.get(m.group(1), "x1")), safe="") or "x"

        url = re.sub(r"\{(\w+)\}", fill, path)
        if url.endswith("/events"):
            query = {**query, "limit": "1"}
        r = client.request(method, url, json=body, params=query, headers={"X-API-Key": key, **headers})
        assert r.status_code < 500, (method, url, body, headers, r.status_code, r.text)
        if r.status_code >= 400:
            assert r.headers["content-type"] == "application/problem+json", (url, r.status_code)

    check()
    world.runtime.close()
