"""Memoised signature checks: a repeated check skips the curve arithmetic but never changes an outcome."""

from __future__ import annotations

import hashlib

import pytest

from devnet.fixtures.pki import Org, msp_config
from network.devnet.msp import X509MSP, identity
from network.devnet.msp.identity import MSPIdentity


@pytest.fixture(scope="module")
def org() -> Org:
    return Org.create("PerfOrgMSP")


def fresh_identity(org: Org) -> MSPIdentity:
    return X509MSP.from_config(msp_config(org)).deserialize_identity(org.client.serialized)


def test_repeated_check_runs_the_crypto_once(org: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bytes] = []
    real = identity.verify_ecdsa_sha256_digest

    def counting(key: object, digest: bytes, signature: bytes, bound: int | None) -> bool:
        calls.append(digest)
        return real(key, digest, signature, bound)  # type: ignore[arg-type]

    monkeypatch.setattr(identity, "verify_ecdsa_sha256_digest", counting)
    ident = fresh_identity(org)
    signature = org.client.sign(b"payload")
    assert all(ident.verify(b"payload", signature) for _ in range(5))
    assert calls == [hashlib.sha256(b"payload").digest()]


def test_cached_success_does_not_leak_to_another_message_or_signature(org: Org) -> None:
    ident = fresh_identity(org)
    good = org.client.sign(b"payload")
    assert ident.verify(b"payload", good)
    assert not ident.verify(b"payload!", good)
    assert not ident.verify(b"payload", org.client.sign(b"something else"))
    assert not ident.verify(b"payload", good[:-1])
    assert ident.verify(b"payload", good)


def test_cached_failure_stays_a_failure(org: Org) -> None:
    ident = fresh_identity(org)
    bad = org.client.sign(b"a")
    assert not ident.verify(b"b", bad)
    assert not ident.verify(b"b", bad)
    assert ident.verify(b"a", bad)


def test_organizational_units_computed_once_and_not_shared_mutably(org: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    ident = fresh_identity(org)
    calls: list[MSPIdentity] = []
    real = X509MSP.organizational_units

    def counting(self: X509MSP, identity: MSPIdentity) -> list[object]:
        calls.append(identity)
        return real(self, identity)

    monkeypatch.setattr(X509MSP, "organizational_units", counting)
    first = ident.organizational_units()
    first.clear()
    assert ident.organizational_units() == real(ident.msp, ident) != []
    assert len(calls) == 1
