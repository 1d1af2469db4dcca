"""``python -m scripts.benchkit.benchcc``: the benchmarks' tiny chaincode, on the official Python shim.

- ``put(key, value)`` / ``get(key)``: the simplest write and read (issue 4's throughput benchmark).
- ``seed(accounts_json, amount)`` / ``transfer(from, to, amount)`` / ``balance(account)``: the NAIVE
  hot-account design (one balance key per account, read-modify-write on both sides). Issue 5 measures it
  side by side with the asset chaincode's delta keys: every concurrent credit to one account reads the same
  key version, so all but one per block fail validation with MVCC_READ_CONFLICT (Fabric's
  ``validation/statebased`` read-set check).

Served as chaincode-as-a-service through the asset chaincode's server (``chaincode.shimfix``), which
serialises writes on the peer stream (the shim's concurrency defect) - the same path the product uses.

The functions are written against the contract API (``Bench``), but dispatched by :class:`BenchChaincode`,
the shim's low-level ``init``/``invoke`` interface: the contract API's per-call metadata lookup, JSON-schema
validation of every string argument and return-value serialisation cost ~0.1 ms per endorsement, and the
benchmarks measure the peer pipeline, not the contract API. What reaches the peer is the same: the
``Response`` payload is the function's string result, failures are status 500 with the error text.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from fabric_chaincode_python.fabric_contract_api import Contract, TransactionContext
from fabric_chaincode_python.fabric_contract_api.contractapi.transaction_context import ClientIdentity
from fabric_chaincode_python.fabric_shim.response import error, success
from fabric_protos.peer import proposal_response_pb2

BALANCE_PREFIX = "bal~"


def _amount(field: str, text: str) -> int:
    if not text.isdigit():
        raise ValueError(f"{field}: must be a non-negative decimal integer, got {text!r}")
    return int(text)


class Bench(Contract):
    Name = "Bench"

    def get_evaluate_transactions(self) -> list[str]:
        return ["get", "balance"]

    async def put(self, ctx: TransactionContext, key: str, value: str) -> str:
        await ctx.get_stub().put_state(key, value.encode())
        return ""

    async def get(self, ctx: TransactionContext, key: str) -> str:
        value = await ctx.get_stub().get_state(key)
        return (value or b"").decode()

    async def seed(self, ctx: TransactionContext, accounts_json: str, amount: str) -> str:
        units = _amount("amount", amount)
        accounts = json.loads(accounts_json)
        if not isinstance(accounts, list) or not all(isinstance(a, str) and a for a in accounts):
            raise ValueError("accounts_json: must be a JSON list of account names")
        for account in accounts:
            await ctx.get_stub().put_state(BALANCE_PREFIX + account, str(units).encode())
        return str(len(accounts))

    async def balance(self, ctx: TransactionContext, account: str) -> str:
        return str(await self._read(ctx, account))

    async def transfer(self, ctx: TransactionContext, sender: str, receiver: str, amount: str) -> str:
        units = _amount("amount", amount)
        if sender == receiver:
            raise ValueError("receiver: must differ from sender")
        have = await self._read(ctx, sender)
        if have < units:
            raise ValueError(f"amount: {sender} holds {have}, needs {units}")
        credited = await self._read(ctx, receiver) + units
        await ctx.get_stub().put_state(BALANCE_PREFIX + sender, str(have - units).encode())
        await ctx.get_stub().put_state(BALANCE_PREFIX + receiver, str(credited).encode())
        return str(credited)

    async def _read(self, ctx: TransactionContext, account: str) -> int:
        raw = await ctx.get_stub().get_state(BALANCE_PREFIX + account)
        return int(raw) if raw else 0


FUNCTION_ARITY = {"put": 2, "get": 1, "seed": 2, "balance": 1, "transfer": 3}
"""The transactions of :class:`Bench` and their argument counts (the contract API's signature check)."""


def function_name(requested: str) -> str:
    """``Bench:put`` or ``put`` -> ``put`` (the contract API's ``<contract>:<function>`` convention)."""
    contract, _, name = requested.rpartition(":")
    return name if contract in ("", Bench.Name) else ""


class BenchChaincode:
    """:class:`Bench` on the shim's low-level ``Chaincode`` interface (see the module docstring)."""

    def __init__(self, contract: Bench) -> None:
        self._functions: dict[str, Callable[..., Awaitable[str]]] = {
            name: getattr(contract, name) for name in FUNCTION_ARITY
        }

    async def init(self, stub: Any) -> proposal_response_pb2.Response:
        return success(b"")

    async def invoke(self, stub: Any) -> proposal_response_pb2.Response:
        requested, params = stub.get_function_and_parameters()
        name = function_name(requested)
        function = self._functions.get(name)
        if function is None:
            return error(f"Function {requested} not found in contract {Bench.Name}")
        if len(params) != FUNCTION_ARITY[name]:
            return error(f"incorrect number of params. Expected {FUNCTION_ARITY[name]}, received {len(params)}")
        ctx = TransactionContext()
        ctx.set_stub(stub)
        ctx.set_client_identity(ClientIdentity(stub))
        try:
            result = await function(ctx, *params)
        except Exception as exc:  # the contract API's error path: status 500 carrying the message
            return error(str(exc))
        return success(result.encode())


async def serve(chaincode_id: str, address: str) -> None:
    from chaincode.server import serve_until_signalled
    from chaincode.shimfix.server import build_server

    server, port = build_server(BenchChaincode(Bench()), chaincode_id, address)
    await server.start()
    logging.getLogger("chaincode.server").info("bench chaincode listening port=%d", port)
    await serve_until_signalled(server, grace=1)


def main() -> None:
    from chaincode.server import configure_logging

    configure_logging(os.environ.get("CHAINCODE_LOG_LEVEL", "INFO"))
    profile_to = os.environ.get("BENCH_CHAINCODE_PROFILE")
    run = serve(os.environ.get("CHAINCODE_ID", ""), os.environ.get("CHAINCODE_SERVER_ADDRESS", ""))
    if not profile_to:
        from chaincode.server import run_event_loop

        run_event_loop(run, os.environ.get("CHAINCODE_EVENT_LOOP") or None)
        return
    import cProfile

    profiler = cProfile.Profile()
    profiler.enable()
    try:
        asyncio.run(run)
    finally:
        profiler.disable()
        profiler.dump_stats(profile_to)


if __name__ == "__main__":
    main()
