"""benchcc's low-level dispatch answers the peer as the contract API did: payload = result, errors = 500."""

from __future__ import annotations

import asyncio
from typing import Any

from scripts.benchkit.benchcc import Bench, BenchChaincode, function_name


class FakeStub:
    def __init__(self, *args: str) -> None:
        self.args = list(args)
        self.state: dict[str, bytes] = {}

    def get_function_and_parameters(self) -> tuple[str, list[str]]:
        return self.args[0], self.args[1:]

    async def put_state(self, key: str, value: bytes) -> None:
        self.state[key] = value

    async def get_state(self, key: str) -> bytes:
        return self.state.get(key, b"")


def invoke(stub: Any) -> Any:
    return asyncio.run(BenchChaincode(Bench()).invoke(stub))


def test_function_name_accepts_the_contract_prefix_only_for_bench() -> None:
    assert function_name("put") == "put"
    assert function_name("Bench:put") == "put"
    assert function_name("Other:put") == ""


def test_put_writes_and_answers_an_empty_payload() -> None:
    stub = FakeStub("put", "k", "v")
    response = invoke(stub)
    assert (response.status, response.payload) == (200, b"")
    assert stub.state == {"k": b"v"}


def test_failures_are_status_500_with_the_message() -> None:
    unknown = invoke(FakeStub("nope"))
    assert unknown.status == 500 and "nope" in unknown.message
    assert invoke(FakeStub("put", "k")).status == 500
    poor = invoke(FakeStub("transfer", "a", "b", "5"))
    assert poor.status == 500 and "holds 0" in poor.message
