"""Builders for service tests: certificates, wallets, keys and a runtime over the FakeFabric double."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec
from devnet.fixtures.pki import CA
from svc_fakes import FakeFabric

from gateway.auth.apikeys import ApiKeyRegistry, new_api_key
from gateway.client.identity import Identity, canonical_pem
from gateway.service.runtime import Runtime
from gateway.service.settings import OrgSettings, Settings
from gateway.store.sqlite_store import SqliteStore
from gateway.wallet.kek import password_source
from gateway.wallet.wallet import Wallet
from network.crypto.certs import private_key_pem

PASSWORD = "correct horse battery staple"
TEST_SCRYPT_N = 2**10  # fast in tests; production default is 2**15
ORGS = ("Org1", "Org2")


def make_cert(common_name: str) -> tuple[ec.EllipticCurvePrivateKey, bytes]:
    """A client certificate from the shared test PKI (the service never checks the chain; the peer would)."""
    cert, key = _test_ca().issue(common_name, "client")
    return key, canonical_pem(cert)


@functools.cache
def _test_ca() -> CA:
    return CA.create("gateway-service-test-ca")


def write_msp(folder: Path, common_name: str) -> tuple[ec.EllipticCurvePrivateKey, bytes]:
    key, pem = make_cert(common_name)
    (folder / "signcerts").mkdir(parents=True)
    (folder / "keystore").mkdir(parents=True)
    (folder / "signcerts" / "cert.pem").write_bytes(pem)
    (folder / "keystore" / "priv_sk").write_bytes(private_key_pem(key))
    return key, pem


def import_identity_args(wallet: Path, label: str, msp_dir: Path) -> list[str]:
    """``python -m gateway`` arguments importing an Org1MSP member's MSP folder into ``wallet``."""
    return ["import-identity", "--wallet", str(wallet), "--label", label, "--org", "Org1", "--msp-id", "Org1MSP",
            "--msp-dir", str(msp_dir)]


@dataclass
class World:
    runtime: Runtime
    fakes: dict[str, FakeFabric]
    keys: dict[str, str]  # name -> plaintext API key
    wallet: Wallet

    def total_signatures(self) -> int:
        return sum(len(f.signatures) for f in self.fakes.values())


def build_world(tmp: Path, store=None) -> World:  # type: ignore[no-untyped-def]
    wallet = Wallet.create(tmp / "wallet.json", password_source(PASSWORD), scrypt_n=TEST_SCRYPT_N)
    for org in ORGS:
        for user in ("alice", "bob"):
            key, pem = make_cert(f"{user}@{org}")
            wallet.put_software(f"{org.lower()}-{user}", org, Identity(f"{org}MSP", pem), key)
    registry = ApiKeyRegistry()
    keys: dict[str, str] = {}
    for org in ORGS:
        lower = org.lower()
        for name, identities, roles in (
            ("full", [f"{lower}-alice"], ["read", "submit", "events"]),
            ("reader", [f"{lower}-alice"], ["read"]),
            ("multi", [f"{lower}-alice", f"{lower}-bob"], ["read", "submit", "events"]),
        ):
            plaintext, record = new_api_key(org, identities, roles)
            registry.add(record)
            keys[f"{lower}-{name}"] = plaintext
    settings = Settings(
        orgs={org: OrgSettings(org, f"{org}MSP", "mychannel", "assets") for org in ORGS},
        commit_timeout=1.0,
        mvcc_retries=2,
    )
    fakes = {org: FakeFabric(org) for org in ORGS}
    runtime = Runtime(
        settings=settings,
        ports=fakes,
        wallet=wallet,
        store=store or SqliteStore(tmp / "store.db"),
        api_keys=registry,
    )
    return World(runtime, fakes, keys, wallet)


def auth(key: str, **extra: str) -> dict[str, str]:
    return {"X-API-Key": key, **extra}
