"""API keys (hashed, constant-time), JWT (HS256/ES256), roles, identities and per-key rate limits."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient
from svc_support import World, auth

from gateway.auth.apikeys import ApiKeyRegistry, load_key_file, new_api_key, save_key_file
from gateway.auth.jwt_auth import JwtVerifier
from gateway.auth.principal import AuthError
from gateway.auth.ratelimit import RateLimiter

EVAL = {"function": "GetClass", "args": ["c1"]}


def test_missing_and_wrong_credentials_are_401(client: TestClient, world: World) -> None:
    r = client.post("/v1/orgs/Org1/evaluate", json=EVAL)
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
    good = world.keys["org1-full"]
    tampered = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    for bad in (tampered, "gk_nope.secret", "gk_", "Bearer"):
        assert client.post("/v1/orgs/Org1/evaluate", json=EVAL, headers=auth(bad)).status_code == 401
    assert world.total_signatures() == 0


def test_key_file_stores_no_secret_and_round_trips(tmp_path) -> None:  # type: ignore[no-untyped-def]
    plaintext, record = new_api_key("Org1", ["org1-alice"], ["read"])
    registry = ApiKeyRegistry([record])
    path = tmp_path / "keys.json"
    save_key_file(path, registry)
    assert plaintext.split(".", 1)[1] not in path.read_text()
    assert path.stat().st_mode & 0o777 == 0o600
    principal = load_key_file(path).authenticate(plaintext)
    assert principal.org == "Org1" and principal.roles == frozenset({"read"})
    with pytest.raises(ValueError, match="roles"):
        new_api_key("Org1", ["x"], ["superuser"])


def test_roles_and_identity_choice(client: TestClient, world: World) -> None:
    r = client.post("/v1/orgs/Org1/submit", json={"function": "Mint"}, headers=auth(world.keys["org1-reader"]))
    assert r.status_code == 403 and "submit" in r.json()["detail"]
    r = client.post("/v1/orgs/Org1/submit", json={"function": "Mint"}, headers=auth(world.keys["org1-multi"]))
    assert r.status_code == 403 and "X-Fabric-Identity" in r.json()["detail"]
    r = client.post(
        "/v1/orgs/Org1/submit",
        json={"function": "Mint"},
        headers=auth(world.keys["org1-full"], **{"X-Fabric-Identity": "org1-bob"}),
    )
    assert r.status_code == 403
    assert world.total_signatures() == 0
    r = client.post(
        "/v1/orgs/Org1/submit",
        json={"function": "Mint"},
        headers=auth(world.keys["org1-multi"], **{"X-Fabric-Identity": "org1-bob"}),
    )
    assert r.status_code == 200
    assert {label for label, _ in world.fakes["Org1"].signatures} == {"org1-bob"}


def test_key_listing_another_orgs_identity_still_cannot_sign(client: TestClient, world: World) -> None:
    plaintext, record = new_api_key("Org1", ["org2-alice"], ["read", "submit"])  # mis-issued key
    world.runtime.api_keys.add(record)
    r = client.post("/v1/orgs/Org1/submit", json={"function": "Mint"}, headers=auth(plaintext))
    assert r.status_code == 403
    assert world.total_signatures() == 0


def test_jwt_hs256_and_es256(client: TestClient, world: World) -> None:
    secret = "s3cret-for-tests-only-0123456789abcdef"
    world.runtime.jwt = JwtVerifier("HS256", secret, audience="gateway")
    claims = {
        "sub": "erp-1",
        "org": "Org1",
        "identities": ["org1-alice"],
        "roles": ["read"],
        "aud": "gateway",
        "exp": int(time.time()) + 60,
    }
    token = jwt.encode(claims, secret, algorithm="HS256")
    r = client.post("/v1/orgs/Org1/evaluate", json=EVAL, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    expired = jwt.encode({**claims, "exp": int(time.time()) - 10}, secret, algorithm="HS256")
    assert (
        client.post("/v1/orgs/Org1/evaluate", json=EVAL, headers={"Authorization": f"Bearer {expired}"}).status_code
        == 401
    )
    wrong_org = jwt.encode({**claims, "org": "Org2"}, secret, algorithm="HS256")
    assert (
        client.post("/v1/orgs/Org1/evaluate", json=EVAL, headers={"Authorization": f"Bearer {wrong_org}"}).status_code
        == 403
    )

    key = ec.generate_private_key(ec.SECP256R1())
    pub = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    world.runtime.jwt = JwtVerifier("ES256", pub, audience="gateway")
    es = jwt.encode(claims, key, algorithm="ES256")
    assert (
        client.post("/v1/orgs/Org1/evaluate", json=EVAL, headers={"Authorization": f"Bearer {es}"}).status_code == 200
    )
    # An HS256 token "signed" with the public key must not pass an ES256 verifier (key confusion).
    forged = jwt.encode(claims, "x" * 40, algorithm="HS256")
    assert (
        client.post("/v1/orgs/Org1/evaluate", json=EVAL, headers={"Authorization": f"Bearer {forged}"}).status_code
        == 401
    )


def test_jwt_requires_identities_claim() -> None:
    verifier = JwtVerifier("HS256", "k" * 32)
    token = jwt.encode({"sub": "a", "org": "Org1", "roles": [], "exp": int(time.time()) + 60}, "k" * 32)
    with pytest.raises(AuthError, match="identities"):
        verifier.authenticate(token)


def test_rate_limit_is_per_key_with_retry_after(client: TestClient, world: World) -> None:
    plaintext, record = new_api_key("Org1", ["org1-alice"], ["read"], rate_per_second=0.01, burst=2)
    world.runtime.api_keys.add(record)
    statuses = [client.post("/v1/orgs/Org1/evaluate", json=EVAL, headers=auth(plaintext)).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    r = client.post("/v1/orgs/Org1/evaluate", json=EVAL, headers=auth(plaintext))
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    # Another key of the same org is unaffected.
    assert client.post("/v1/orgs/Org1/evaluate", json=EVAL, headers=auth(world.keys["org1-full"])).status_code == 200


def test_token_bucket_refills_with_the_clock() -> None:
    now = [0.0]
    limiter = RateLimiter(clock=lambda: now[0])
    assert limiter.take("k", rate=2.0, burst=1) == 0
    assert limiter.take("k", rate=2.0, burst=1) == pytest.approx(0.5)
    now[0] = 0.5
    assert limiter.take("k", rate=2.0, burst=1) == 0


def test_key_file_changes_are_picked_up(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "keys.json"
    registry = load_key_file(path)
    registry.RELOAD_SECONDS = 0.0  # type: ignore[misc]
    plaintext, record = new_api_key("Org1", ["org1-alice"], ["read"])
    with pytest.raises(AuthError):
        registry.authenticate(plaintext)
    save_key_file(path, ApiKeyRegistry([record]))
    assert registry.authenticate(plaintext).org == "Org1"
    path.write_text("{not json")  # a broken edit keeps the last good keys
    assert registry.authenticate(plaintext).org == "Org1"
