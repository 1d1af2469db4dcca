"""Per-request work done once: verified API keys, ``Operation.evolve``, the aio port's gateways, metric children.
Each cache must answer exactly as recomputing would, and forget what changed."""

from __future__ import annotations

import asyncio
import dataclasses
import os
from pathlib import Path

import grpc
import pytest

from gateway.auth import apikeys
from gateway.auth.apikeys import ApiKeyRegistry, load_key_file, new_api_key, save_key_file
from gateway.auth.principal import AuthError
from gateway.client.identity import Identity
from gateway.service.aio_port import AsyncClientPort
from gateway.service.fabric_port import SigningIdentity
from gateway.service.metrics import Metrics
from gateway.store.model import OpState, new_operation


def _counting_hmac(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = apikeys.digest_secret

    def counting(salt: bytes, secret: str) -> bytes:
        calls.append(1)
        return real(salt, secret)

    monkeypatch.setattr(apikeys, "digest_secret", counting)
    return calls


def test_a_verified_key_skips_the_hmac_but_a_wrong_secret_never_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    plaintext, record = new_api_key("Org1", ["org1-alice"], ["submit"])
    registry = ApiKeyRegistry([record])
    calls = _counting_hmac(monkeypatch)
    first = registry.authenticate(plaintext)
    assert registry.authenticate(plaintext) == first and len(calls) == 1
    wrong = plaintext[:-2] + ("AA" if not plaintext.endswith("AA") else "BB")
    for _ in range(2):
        with pytest.raises(AuthError):
            registry.authenticate(wrong)  # same key id, other secret: full check each time, never cached
    assert len(calls) == 3 and registry.authenticate(plaintext) == first and len(calls) == 3


def test_the_verified_keys_are_forgotten_when_the_key_file_changes(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "keys.json"
    plaintext, record = new_api_key("Org1", ["org1-alice"], ["submit"])
    save_key_file(path, ApiKeyRegistry([record]))
    registry = load_key_file(path)
    registry.RELOAD_SECONDS = 0.0  # type: ignore[misc]
    assert registry.authenticate(plaintext).roles == frozenset({"submit"})
    _, other = new_api_key("Org1", ["org1-alice"], ["read"])
    save_key_file(path, ApiKeyRegistry([other]))  # the key is revoked
    os.utime(path, ns=(1, 1))  # a different stamp even within the file system's time granularity
    with pytest.raises(AuthError, match="invalid API key"):
        registry.authenticate(plaintext)
    calls = _counting_hmac(monkeypatch)
    registry.add(record)  # back again: verified afresh once
    registry.authenticate(plaintext)
    registry.authenticate(plaintext)
    assert len(calls) == 1


def test_evolve_equals_dataclasses_replace_and_refuses_unknown_fields() -> None:
    op = new_operation("Org1", "k", "i", "h", "alice", "ch")
    evolved = op.evolve(state=OpState.PREPARED, txid="ab" * 32, envelope=b"e", attempts=1)
    assert evolved == dataclasses.replace(op, state=OpState.PREPARED, txid="ab" * 32, envelope=b"e", attempts=1,
                                          updated_at=evolved.updated_at)
    assert op.state == OpState.NEW and evolved.updated_at >= op.updated_at
    with pytest.raises(dataclasses.FrozenInstanceError):
        evolved.state = OpState.NEW  # type: ignore[misc]
    with pytest.raises(TypeError, match="stat"):
        op.evolve(stat=OpState.FAILED)
    assert len(op.op_id) == 32 and int(op.op_id, 16) >= 0


def test_aio_port_builds_one_gateway_per_identity_and_signer() -> None:
    async def scenario() -> None:
        opened: list[grpc.aio.Channel] = []

        def open_channel() -> grpc.aio.Channel:
            opened.append(grpc.aio.insecure_channel("127.0.0.1:9"))  # never dialled: no RPC is made
            return opened[-1]

        port = AsyncClientPort(open_channel)
        alice = Identity("Org1MSP", b"alice-cert")

        def signer(message: bytes) -> bytes:
            return b"sig"

        def other_signer(message: bytes) -> bytes:
            return b"other"

        first = port._gateway(SigningIdentity("alice", alice, signer))
        assert port._gateway(SigningIdentity("alice", Identity("Org1MSP", b"alice-cert"), signer)) is first
        assert port._gateway(SigningIdentity("alice", alice, other_signer)) is not first
        assert port._gateway(SigningIdentity("bob", Identity("Org1MSP", b"bob-cert"), signer)) is not first
        assert len(opened) == 1
        await port.close()
        assert port._gateway(SigningIdentity("alice", alice, signer)) is not first  # a new channel: new gateways
        await port.close()

    asyncio.run(scenario())


def test_metric_children_are_the_labelled_ones() -> None:
    metrics = Metrics()
    metrics.child(metrics.responses, "submit", "200").inc()
    metrics.child(metrics.responses, "submit", "200").inc()
    assert metrics.child(metrics.responses, "submit", "200") is metrics.responses.labels("submit", "200")
    assert b'gateway_responses_total{operation="submit",status="200"} 2.0' in metrics.exposition()
