"""kill -9 of a real gateway process on devnet, between storing and sending the envelope (``after-store``)
and just after sending it (``after-submit``), with a SQLite and a PostgreSQL store.

The failpoints of ``gateway/service/failpoints.py`` make the process SIGKILL itself. After a restart the
recovery pass must finish the operation on its own (the ledger shows it before the client asks again),
the client's retry with the same Idempotency-Key must get that transaction's answer, and the ledger must
hold exactly one VALID transaction for it (a re-sent copy can only appear as DUPLICATE_TXID, same txid).
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from gsi_assets import balance, new_class
from gsi_gateway import GatewayProcess
from gsi_ledger import LedgerTx, height, ledger_transactions
from gsi_postgres import postgres
from gsi_world import GatewayWorld

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, gw_world: GatewayWorld) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{gw_world.root / gw_world.net.unique('crash')}.db"
        return
    with postgres() as url:
        yield url


def mint_txs(world: GatewayWorld, class_id: str, since: int) -> list[LedgerTx]:
    txs = ledger_transactions(world.net.layout, world.net.channel, since)
    return [t for t in txs if t.function == "Mint" and t.args[:1] == (class_id,)]


def wait_for_valid_mint(world: GatewayWorld, class_id: str, since: int, timeout: float = 90) -> list[LedgerTx]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        txs = mint_txs(world, class_id, since)
        if any(t.valid for t in txs):
            return txs
        time.sleep(0.2)
    raise AssertionError(f"no VALID Mint of {class_id} committed within {timeout}s")


def retry_until_settled(
    url: str, payload: dict[str, str], headers: dict[str, str], timeout: float = 90
) -> httpx.Response:
    """The client's retry loop: 409 operation-in-progress means the operation is still being settled."""
    deadline = time.monotonic() + timeout
    while True:
        answer = httpx.post(url, json=payload, headers=headers, timeout=60)
        in_progress = answer.status_code == 409 and answer.json()["type"].endswith("operation-in-progress")
        if not in_progress or time.monotonic() > deadline:
            return answer
        time.sleep(0.2)


@pytest.mark.parametrize("failpoint", ["after-store", "after-submit"])
def test_kill_9_then_restart_applies_the_operation_exactly_once(
    http: httpx.Client,
    gw_world: GatewayWorld,
    gateway_factory: Callable[..., GatewayProcess],
    store_url: str,
    failpoint: str,
) -> None:
    class_id = new_class(http, gw_world, "CRASH")  # through the shared gateway
    config = gw_world.config(gw_world.net.unique(f"crash-{failpoint}"), store_url=store_url, orgs=("Org1",))
    since = height(gw_world.net.layout, gw_world.net.channel)
    payload = {"to": gw_world.account("Org1", "alice"), "amount": "9"}
    headers = gw_world.headers("Org1", "issuer1", **{"Idempotency-Key": f"crash-{class_id}"})
    path = f"/v1/orgs/Org1/classes/{class_id}/mint"

    victim = gateway_factory(config, failpoint)
    with pytest.raises(httpx.TransportError):
        httpx.post(victim.base + path, json=payload, headers=headers, timeout=60)
    assert victim.proc.wait(timeout=30) == -signal.SIGKILL
    if failpoint == "after-store":
        assert mint_txs(gw_world, class_id, since) == []  # the process died before sending anything
    else:
        first = wait_for_valid_mint(gw_world, class_id, since)  # the envelope did leave before the kill
        assert len(first) == 1

    restarted = gateway_factory(config)
    committed = wait_for_valid_mint(gw_world, class_id, since)  # recovery, not the client, finishes it
    answer = retry_until_settled(restarted.base + path, payload, headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers.get("Idempotent-Replayed") == "true"
    body = answer.json()
    assert body["validation_code"] == "VALID"
    assert [t.txid for t in committed if t.valid] == [body["txid"]]

    # exactly one transaction applied: every copy on the ledger carries the same txid, one of them VALID
    txs = mint_txs(gw_world, class_id, since)
    assert {t.txid for t in txs} == {body["txid"]}
    assert sum(t.valid for t in txs) == 1
    assert {t.validation_code for t in txs if not t.valid} <= {"DUPLICATE_TXID"}
    print(f"{failpoint}: copies of the transaction on the ledger: {[t.validation_code for t in txs]}")
    assert balance(http, gw_world, "Org1", "alice", class_id) == 9
    receipt = httpx.get(f"{restarted.base}/v1/orgs/Org1/transactions/{body['txid']}", headers=headers)
    assert receipt.json()["status"] == "COMMITTED" and receipt.json()["attempts"] == 1


def test_kill_9_with_several_operations_in_flight_loses_none_and_doubles_none(
    http: httpx.Client,
    gw_world: GatewayWorld,
    gateway_factory: Callable[..., GatewayProcess],
    store_url: str,
) -> None:
    """Six concurrent mints; the first to store its envelope kills the process. The others may be anywhere:
    not yet claimed, claimed (NEW: recovery fails it, nothing was signed, the key may be retried), or
    PREPARED (recovery re-sends it). After the restart every key is retried until it has a final answer:
    each amount must be minted exactly once."""
    class_id = new_class(http, gw_world, "INFLIGHT")
    config = gw_world.config(gw_world.net.unique("inflight"), store_url=store_url, orgs=("Org1",))
    since = height(gw_world.net.layout, gw_world.net.channel)
    path = f"/v1/orgs/Org1/classes/{class_id}/mint"
    alice = gw_world.account("Org1", "alice")
    amounts = [str(n) for n in range(1, 7)]

    def headers(amount: str) -> dict[str, str]:
        return gw_world.headers("Org1", "issuer1", **{"Idempotency-Key": f"{class_id}-{amount}"})

    def fire(amount: str) -> int | None:
        try:
            return httpx.post(victim.base + path, json={"to": alice, "amount": amount}, headers=headers(amount),
                              timeout=60).status_code  # fmt: skip
        except httpx.TransportError:
            return None

    victim = gateway_factory(config, "after-store")
    with ThreadPoolExecutor(len(amounts)) as pool:
        first_answers = list(pool.map(fire, amounts))
    assert victim.proc.wait(timeout=30) == -signal.SIGKILL
    assert first_answers == [None] * len(amounts)  # nobody got an answer: every request died with the process

    restarted = gateway_factory(config)
    conflicted = []
    for amount in amounts:
        answer = retry_until_settled(restarted.base + path, {"to": alice, "amount": amount}, headers(amount))
        body = answer.json()
        if answer.status_code == 409:
            # Mints of one class read its supply key, so envelopes endorsed together before the crash conflict
            # when recovery re-sends them; a value movement is never re-proposed (recovery.py), the caller is
            # told, with the ledger's own verdict, and nothing was applied
            on_ledger = {t.txid: t for t in mint_txs(gw_world, class_id, since)}
            assert body["validation_code"] == on_ledger[body["txid"]].validation_code == "MVCC_READ_CONFLICT", body
            conflicted.append(amount)
        else:
            assert answer.status_code == 200 and body["validation_code"] == "VALID", answer.text
    for amount in conflicted:  # what a client does with a 409 conflict: a new request, a new key
        again = httpx.post(
            restarted.base + path,
            json={"to": alice, "amount": amount},
            headers={**headers(amount), "Idempotency-Key": f"{class_id}-{amount}-again"},
            timeout=60,
        )
        assert again.status_code == 200, again.text  # fmt: skip

    txs = mint_txs(gw_world, class_id, since)
    valid_amounts = sorted((t.args[2] for t in txs if t.valid), key=int)
    assert valid_amounts == amounts  # each exactly once: none lost, none twice
    assert balance(http, gw_world, "Org1", "alice", class_id) == sum(map(int, amounts))
    print(f"in flight at kill -9: {len(amounts)}; conflicted at re-send: {len(conflicted)}")
