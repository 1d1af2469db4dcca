"""The encrypted wallet: nothing secret in plaintext, a wrong KEK is refused, rotation is all-or-nothing."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from svc_support import PASSWORD, TEST_SCRYPT_N, make_cert, write_msp

from gateway.client import ecdsa
from gateway.client.identity import Identity
from gateway.wallet.kek import kek_from_environment, key_file_source, new_key_file, password_source
from gateway.wallet.msp_import import import_msp_identity
from gateway.wallet.wallet import Wallet, WalletError


def _wallet(tmp_path: Path) -> tuple[Wallet, bytes]:
    wallet = Wallet.create(tmp_path / "w.json", password_source(PASSWORD), scrypt_n=TEST_SCRYPT_N)
    key, pem = make_cert("alice")
    wallet.put_software("alice", "Org1", Identity("Org1MSP", pem), key)
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return wallet, der


def test_file_is_private_and_holds_no_plaintext_key(tmp_path: Path) -> None:
    wallet, der = _wallet(tmp_path)
    raw = wallet.path.read_bytes()
    assert wallet.path.stat().st_mode & 0o777 == 0o600
    assert der not in raw and base64.b64encode(der) not in raw and b"PRIVATE KEY" not in raw
    assert PASSWORD.encode() not in raw


def test_signatures_are_fabric_low_s_and_verify(tmp_path: Path) -> None:
    wallet, _ = _wallet(tmp_path)
    reopened = Wallet.open(wallet.path, password_source(PASSWORD))
    signer = reopened.signer("alice")
    public_key = reopened.entry("alice").identity.certificate().public_key()
    for i in range(20):
        sig = signer(b"msg%d" % i)
        assert ecdsa.is_low_s(sig) and ecdsa.verify(public_key, b"msg%d" % i, sig)  # type: ignore[arg-type]


def test_wrong_password_is_refused(tmp_path: Path) -> None:
    wallet, _ = _wallet(tmp_path)
    with pytest.raises(WalletError, match="wrong KEK"):
        Wallet.open(wallet.path, password_source("not the right password"))


def test_moved_ciphertext_cannot_be_decrypted(tmp_path: Path) -> None:
    wallet, _ = _wallet(tmp_path)
    key, pem = make_cert("bob")
    wallet.put_software("bob", "Org1", Identity("Org1MSP", pem), key)
    doc = json.loads(wallet.path.read_text())
    doc["entries"]["bob"]["key"] = doc["entries"]["alice"]["key"]  # bind bob's cert to alice's key
    wallet.path.write_text(json.dumps(doc))
    tampered = Wallet.open(wallet.path, password_source(PASSWORD))
    with pytest.raises(Exception):  # noqa: B017 - InvalidTag from AES-GCM
        tampered.signer("bob")


def test_rotate_kek_password_to_key_file(tmp_path: Path) -> None:
    wallet, der = _wallet(tmp_path)
    signature = wallet.signer("alice")(b"m")
    key_file = tmp_path / "kek.key"
    new_key_file(key_file)
    assert key_file.stat().st_mode & 0o777 == 0o600
    wallet.rotate(key_file_source(key_file))
    with pytest.raises(WalletError):
        Wallet.open(wallet.path, password_source(PASSWORD))
    rotated = Wallet.open(wallet.path, kek_from_environment({"GATEWAY_WALLET_KEY_FILE": str(key_file)}))
    public_key = rotated.entry("alice").identity.certificate().public_key()
    assert ecdsa.verify(public_key, b"m", signature)  # type: ignore[arg-type]
    assert ecdsa.verify(public_key, b"n", rotated.signer("alice")(b"n"))  # type: ignore[arg-type]
    assert der not in wallet.path.read_bytes()


def test_kek_configuration_errors_name_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="GATEWAY_WALLET_KEY_FILE or GATEWAY_WALLET_PASSWORD"):
        kek_from_environment({})
    with pytest.raises(ValueError, match="at least 12"):
        password_source("short")
    short = tmp_path / "short.key"
    short.write_bytes(b"x" * 8)
    with pytest.raises(ValueError, match="32 bytes"):
        key_file_source(short)


def test_import_from_msp_folder(tmp_path: Path) -> None:
    wallet = Wallet.create(tmp_path / "w.json", password_source(PASSWORD), scrypt_n=TEST_SCRYPT_N)
    key, pem = write_msp(tmp_path / "msp", "carol")
    identity = import_msp_identity(wallet, "carol", "Org1", tmp_path / "msp", "Org1MSP")
    assert identity.certificate_pem == pem and wallet.entry("carol").org == "Org1"
    sig = wallet.signer("carol")(b"x")
    assert ecdsa.verify(key.public_key(), b"x", sig)


def test_import_refuses_mismatched_key(tmp_path: Path) -> None:
    wallet = Wallet.create(tmp_path / "w.json", password_source(PASSWORD), scrypt_n=TEST_SCRYPT_N)
    write_msp(tmp_path / "msp", "dave")
    other, _ = make_cert("eve")
    (tmp_path / "msp" / "keystore" / "priv_sk").write_bytes(
        other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    with pytest.raises(WalletError, match="does not match"):
        import_msp_identity(wallet, "dave", "Org1", tmp_path / "msp", "Org1MSP")
    assert wallet.labels() == []


def test_bad_label_is_refused(tmp_path: Path) -> None:
    wallet = Wallet.create(tmp_path / "w.json", password_source(PASSWORD), scrypt_n=TEST_SCRYPT_N)
    key, pem = make_cert("x")
    with pytest.raises(WalletError, match="label"):
        wallet.put_software("../etc", "Org1", Identity("Org1MSP", pem), key)
