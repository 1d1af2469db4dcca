"""The in-memory stub's Fabric semantics, identity/attribute parsing, and the error/codec formats."""

from __future__ import annotations

import asyncio
import json

import pytest

from chaincode.assetregistry import keys
from chaincode.assetregistry.codec import canonical_json, parse_amount
from chaincode.assetregistry.errors import ErrorCode, RegistryError, parse_error
from chaincode.assetregistry.identity import caller_from_creator, controls_account, parse_account
from chaincode.testing.certs import make_identity
from chaincode.testing.memstub import MemLedger, MemStub, MvccConflict


def stub(ledger: MemLedger, n: int = 1) -> MemStub:
    return MemStub(ledger, f"tx{n}", "Org1MSP", b"", ["f"], 100 + n)


def test_reads_see_committed_state_not_own_writes() -> None:
    ledger = MemLedger()
    s = stub(ledger)
    asyncio.run(s.put_state("k", b"v"))
    assert asyncio.run(s.get_state("k")) == b""
    ledger.commit(s)
    assert asyncio.run(stub(ledger, 2).get_state("k")) == b"v"


def test_uncommitted_transaction_changes_nothing() -> None:
    ledger = MemLedger()
    s = stub(ledger)
    asyncio.run(s.put_state("k", b"v"))
    s.set_event("E", b"{}")
    assert ledger.state == {} and ledger.events == []


def test_range_scans_in_key_order_and_composite_prefix() -> None:
    ledger = MemLedger()
    s = stub(ledger)

    async def fill() -> None:
        for account in ("b", "a", "c"):
            await s.put_state(keys.balance_key("X", f"Org1MSP/{account}"), b"1")
        await s.put_state(keys.balance_key("Y", "Org1MSP/a"), b"1")
        await s.put_state("plain", b"1")

    asyncio.run(fill())
    ledger.commit(s)

    async def scan(start: str, end: str) -> list[str]:
        return [kv.key async for kv in await stub(ledger, 2).get_state_by_range(start, end)]

    start, end = keys.prefix_range("BAL", "X")
    assert [keys.split(k)[1][1] for k in asyncio.run(scan(start, end))] == ["Org1MSP/a", "Org1MSP/b", "Org1MSP/c"]
    assert asyncio.run(scan("", "")) == ["plain"]  # empty start excludes composite keys


def test_mvcc_and_phantom_conflicts() -> None:
    ledger = MemLedger()
    seed = stub(ledger)
    asyncio.run(seed.put_state("k", b"1"))
    ledger.commit(seed)
    reader, writer = stub(ledger, 2), stub(ledger, 3)
    asyncio.run(reader.get_state("k"))
    asyncio.run(writer.put_state("k", b"2"))
    ledger.commit(writer)
    with pytest.raises(MvccConflict, match="MVCC"):
        ledger.commit(reader)
    start, end = keys.prefix_range("D", "acct")
    scanner, inserter = stub(ledger, 4), stub(ledger, 5)

    async def scan_all() -> None:
        async for _ in await scanner.get_state_by_range(start, end):
            pass

    asyncio.run(scan_all())
    asyncio.run(inserter.put_state(keys.composite("D", "acct", "new"), b"1"))
    ledger.commit(inserter)
    with pytest.raises(MvccConflict, match="PHANTOM"):
        ledger.commit(scanner)


def test_metadata_kept_on_write_dropped_on_delete_and_history() -> None:
    ledger = MemLedger()
    s = stub(ledger)
    asyncio.run(s.put_state("k", b"1"))
    asyncio.run(s.set_state_validation_parameter("k", b"policy"))
    ledger.commit(s)
    s2 = stub(ledger, 2)
    asyncio.run(s2.put_state("k", b"2"))
    ledger.commit(s2)
    assert asyncio.run(stub(ledger, 3).get_state_validation_parameter("k")) == b"policy"
    s4 = stub(ledger, 4)
    asyncio.run(s4.delete_state("k"))
    ledger.commit(s4)
    assert ledger.metadata("k") == {}
    assert [(m.tx_id, m.is_delete) for m in ledger.history["k"]] == [("tx1", False), ("tx2", False), ("tx4", True)]


def test_identity_attributes_from_certificate() -> None:
    who = make_identity("Org1MSP", "ann", {"role": "issuer,kyc", "dept": "ops"})
    caller = caller_from_creator(who.msp_id, who.cert_pem)
    assert caller.common_name == "ann" and caller.roles == {"issuer", "kyc"}
    assert caller.attributes["dept"] == "ops"
    plain = caller_from_creator("Org1MSP", make_identity("Org1MSP", "bo").cert_pem)
    assert plain.roles == frozenset()
    assert controls_account(caller, "Org1MSP/ann") and not controls_account(caller, "Org2MSP/ann")
    with pytest.raises(RegistryError) as err:
        caller_from_creator("Org1MSP", b"not a cert")
    assert err.value.code is ErrorCode.UNAUTHORIZED


@pytest.mark.parametrize("bad", ["Org1MSP", "Org1MSP/", "/x", "a/b/c", "~escrow/x", "Org1MSP/x\x00"])
def test_account_format(bad: str) -> None:
    with pytest.raises(RegistryError) as err:
        parse_account("to", bad)
    assert err.value.field == "to" and err.value.code is ErrorCode.INVALID_ARGUMENT


def test_error_wire_format_is_stable_and_parseable() -> None:
    err = RegistryError(ErrorCode.INSUFFICIENT_BALANCE, "needs 5", "amount")
    assert str(err) == '{"code":"INSUFFICIENT_BALANCE","field":"amount","message":"needs 5"}'
    again = parse_error(str(err))
    assert again is not None and again.code is ErrorCode.INSUFFICIENT_BALANCE and again.field == "amount"
    assert ErrorCode.INSUFFICIENT_BALANCE.http_status == 409 and ErrorCode.UNAUTHORIZED.http_status == 403
    assert parse_error("plain text") is None


def test_canonical_json_and_amounts() -> None:
    assert canonical_json({"b": 1, "a": "x"}) == '{"a":"x","b":1}'
    assert parse_amount("amount", "10" * 30) == int("10" * 30)
    with pytest.raises(RegistryError):
        parse_amount("amount", 1.0)
    assert json.loads(canonical_json({"v": str(2**200)}))["v"] == str(2**200)


def test_native_pagination_bookmarks_and_read_only_afterwards() -> None:
    ledger = MemLedger()
    seed = stub(ledger)
    for n in range(5):
        asyncio.run(seed.put_state(keys.composite("P", f"k{n}"), b"v"))
    ledger.commit(seed)
    start, end = keys.prefix_range("P")

    async def pages() -> list[list[str]]:
        out, bookmark = [], ""
        while True:
            s = stub(ledger, 9)
            iterator = await s.get_state_by_range_with_pagination(start, end, 2, bookmark)
            out.append([keys.split(kv.key)[1][0] async for kv in iterator])
            bookmark = iterator.metadata["bookmark"]
            if not bookmark:
                return out

    assert asyncio.run(pages()) == [["k0", "k1"], ["k2", "k3"], ["k4"]]
    s = stub(ledger, 10)
    asyncio.run(s.get_state_by_range_with_pagination(start, end, 2))
    with pytest.raises(RuntimeError, match="paginated"):
        asyncio.run(s.put_state("x", b"1"))
    async def partial() -> list[str]:
        return [kv.key async for kv in await stub(ledger, 11).get_state_by_partial_composite_key("P", [])]

    assert len(asyncio.run(partial())) == 5
