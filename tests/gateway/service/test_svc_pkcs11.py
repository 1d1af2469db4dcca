"""PKCS#11 signer against a real SoftHSM2 token (Debian package ``softhsm2``)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from svc_support import PASSWORD, TEST_SCRYPT_N, make_cert

from gateway.client import ecdsa
from gateway.client.identity import Identity
from gateway.wallet.kek import password_source
from gateway.wallet.pkcs11_signer import pkcs11_signer
from gateway.wallet.wallet import Pkcs11Ref, Wallet, WalletError

MODULES = ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")
PIN = "1234-test"


@pytest.fixture(scope="module")
def token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, object]]:
    """One token per test module: a PKCS#11 library reads SOFTHSM2_CONF once, when first initialised."""
    module = next((m for m in MODULES if os.path.exists(m)), None)
    if module is None or shutil.which("softhsm2-util") is None:
        pytest.skip("SoftHSM2 not installed (apt-get install softhsm2)")
    import pkcs11
    from pkcs11 import Attribute, KeyType
    from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters

    tmp_path = tmp_path_factory.mktemp("softhsm")
    (tmp_path / "tokens").mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tmp_path / 'tokens'}\nobjectstore.backend = file\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    os.environ["GW_TEST_PIN"] = PIN
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", "gw", "--pin", PIN, "--so-pin", "5678"],
        check=True,
        capture_output=True,
    )
    lib = pkcs11.lib(module)
    with lib.get_token(token_label="gw").open(rw=True, user_pin=PIN) as session:
        params = session.create_domain_parameters(
            KeyType.EC, {Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")}, local=True
        )
        public, _ = params.generate_keypair(store=True, label="signer")
        spki = encode_ec_public_key(public)
    yield module, serialization.load_der_public_key(spki)
    os.environ.pop("GW_TEST_PIN", None)


def test_hsm_signatures_are_fabric_low_s_der(token: tuple[str, object]) -> None:
    module, public_key = token
    sign = pkcs11_signer(Pkcs11Ref(module, "gw", "signer", "GW_TEST_PIN"))
    for i in range(24):
        sig = sign(b"proposal-%d" % i)
        assert ecdsa.is_low_s(sig)
        assert ecdsa.verify(public_key, b"proposal-%d" % i, sig)  # type: ignore[arg-type]


def test_wallet_entry_for_hsm_key_stores_no_pin(token: tuple[str, object], tmp_path: Path) -> None:
    module, public_key = token
    wallet = Wallet.create(tmp_path / "w.json", password_source(PASSWORD), scrypt_n=TEST_SCRYPT_N)
    _, pem = make_cert("hsm-user")  # the certificate content does not matter to the signer
    wallet.put_pkcs11("hsm", "Org1", Identity("Org1MSP", pem), Pkcs11Ref(module, "gw", "signer", "GW_TEST_PIN"))
    assert PIN.encode() not in wallet.path.read_bytes()
    sig = Wallet.open(wallet.path, password_source(PASSWORD)).signer("hsm")(b"m")
    assert ecdsa.verify(public_key, b"m", sig)  # type: ignore[arg-type]


def test_missing_pin_or_key_is_a_clear_error(token: tuple[str, object]) -> None:
    module, _ = token
    with pytest.raises(WalletError, match="NOT_SET_PIN"):
        pkcs11_signer(Pkcs11Ref(module, "gw", "signer", "NOT_SET_PIN"))
    with pytest.raises(WalletError, match="gw/absent"):
        pkcs11_signer(Pkcs11Ref(module, "gw", "absent", "GW_TEST_PIN"))
