"""An encrypted wallet file: an org's identities, their private keys sealed with AES-256-GCM.

Layout (JSON, mode 0600, replaced atomically on every change):

- ``kdf``: how the KEK is derived (``scrypt`` with salt and cost, or ``hkdf`` with salt; see ``kek.py``);
- ``dek``: a random 256-bit data key, AES-GCM-wrapped under the KEK;
- ``entries``: per label the org, MSP ID and certificate (public), and either the PKCS#8 private key
  AES-GCM-sealed under the DEK, or a PKCS#11 reference (module, token, key label, name of the PIN's
  environment variable - never the PIN).

Each sealed key is bound to its label, MSP ID and certificate through GCM's associated data, so moving a
ciphertext to another entry makes it undecryptable. Rotating the KEK re-encrypts every key under a fresh
DEK; a wrong KEK is detected by the DEK's authentication tag before anything is decrypted or written.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gateway.auth.apikeys import write_private_file
from gateway.client.identity import Identity, Signer, private_key_signer
from gateway.wallet.kek import SCRYPT_N, KekSource

FORMAT_VERSION = 1
DEK_AAD = b"gateway-wallet-dek-v1"


class WalletError(Exception):
    pass


@dataclass(frozen=True)
class Pkcs11Ref:
    module: str
    token_label: str
    key_label: str
    pin_env: str


@dataclass(frozen=True)
class WalletEntry:
    label: str
    org: str
    identity: Identity
    kind: str  # "software" | "pkcs11"
    pkcs11: Pkcs11Ref | None = None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text)


def _entry_aad(label: str, msp_id: str, certificate_pem: bytes) -> bytes:
    return b"|".join(
        [b"gateway-wallet-key-v1", label.encode(), msp_id.encode(), hashlib.sha256(certificate_pem).digest()]
    )


def _seal(key: bytes, plaintext: bytes, aad: bytes) -> dict[str, str]:
    nonce = os.urandom(12)
    return {"nonce": _b64(nonce), "ciphertext": _b64(AESGCM(key).encrypt(nonce, plaintext, aad))}


def _open(key: bytes, sealed: dict[str, str], aad: bytes) -> bytes:
    return AESGCM(key).decrypt(_unb64(sealed["nonce"]), _unb64(sealed["ciphertext"]), aad)


def _kdf_params(source: KekSource, scrypt_n: int) -> dict[str, Any]:
    params: dict[str, Any] = {"name": source.kdf, "salt": _b64(os.urandom(16))}
    if source.kdf == "scrypt":
        params["n"] = scrypt_n
    return params


def _derive_kek(source: KekSource, params: dict[str, Any]) -> bytes:
    if params["name"] != source.kdf:
        raise WalletError(f"wallet was sealed with a {params['name']} KEK, but a {source.kdf} KEK was given")
    return source.derive(_unb64(params["salt"]), int(params.get("n", SCRYPT_N)))


class Wallet:
    """Thread-safe; decrypted keys stay in memory only, in this object."""

    def __init__(self, path: Path, doc: dict[str, Any], dek: bytes) -> None:
        self.path = path
        self._doc = doc
        self._dek = dek
        self._lock = threading.Lock()
        self._signers: dict[str, Signer] = {}

    # -- lifecycle ---------------------------------------------------------------------------------------
    @classmethod
    def create(cls, path: Path, source: KekSource, scrypt_n: int = SCRYPT_N) -> Wallet:
        if path.exists():
            raise WalletError(f"wallet {path} already exists")
        kdf = _kdf_params(source, scrypt_n)
        dek = AESGCM.generate_key(256)
        doc = {
            "version": FORMAT_VERSION,
            "kdf": kdf,
            "dek": _seal(_derive_kek(source, kdf), dek, DEK_AAD),
            "entries": {},
        }
        wallet = cls(path, doc, dek)
        wallet._write()
        return wallet

    @classmethod
    def open(cls, path: Path, source: KekSource) -> Wallet:
        try:
            doc = json.loads(path.read_text())
        except FileNotFoundError:
            raise WalletError(f"wallet {path} does not exist") from None
        if doc.get("version") != FORMAT_VERSION:
            raise WalletError(f"wallet {path}: unsupported version {doc.get('version')!r}")
        try:
            dek = _open(_derive_kek(source, doc["kdf"]), doc["dek"], DEK_AAD)
        except InvalidTag:
            raise WalletError(f"wallet {path}: wrong KEK (password or key file)") from None
        return cls(path, doc, dek)

    def rotate(self, new_source: KekSource, scrypt_n: int = SCRYPT_N) -> None:
        """Re-encrypt every key under a fresh DEK wrapped by the new KEK; all or nothing (atomic replace)."""
        with self._lock:
            new_dek = AESGCM.generate_key(256)
            entries: dict[str, Any] = {}
            for label, raw in self._doc["entries"].items():
                item = dict(raw)
                if item["kind"] == "software":
                    aad = _entry_aad(label, item["msp_id"], item["certificate"].encode())
                    item["key"] = _seal(new_dek, _open(self._dek, item["key"], aad), aad)
                entries[label] = item
            kdf = _kdf_params(new_source, scrypt_n)
            doc = {
                "version": FORMAT_VERSION,
                "kdf": kdf,
                "dek": _seal(_derive_kek(new_source, kdf), new_dek, DEK_AAD),
                "entries": entries,
            }
            write_private_file(self.path, json.dumps(doc, indent=2, sort_keys=True).encode())
            self._doc, self._dek = doc, new_dek

    def _write(self) -> None:
        write_private_file(self.path, json.dumps(self._doc, indent=2, sort_keys=True).encode())

    # -- entries -----------------------------------------------------------------------------------------
    def put_software(self, label: str, org: str, identity: Identity, key: ec.EllipticCurvePrivateKey) -> None:
        if not isinstance(key.curve, ec.SECP256R1):
            raise WalletError(f"{label}: Fabric identities use P-256 keys")
        der = key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        aad = _entry_aad(label, identity.msp_id, identity.certificate_pem)
        item = {
            "kind": "software",
            "org": org,
            "msp_id": identity.msp_id,
            "certificate": identity.certificate_pem.decode(),
            "key": _seal(self._dek, der, aad),
        }
        self._put(label, item)

    def put_pkcs11(self, label: str, org: str, identity: Identity, ref: Pkcs11Ref) -> None:
        item = {
            "kind": "pkcs11",
            "org": org,
            "msp_id": identity.msp_id,
            "certificate": identity.certificate_pem.decode(),
            "pkcs11": {
                "module": ref.module,
                "token_label": ref.token_label,
                "key_label": ref.key_label,
                "pin_env": ref.pin_env,
            },
        }
        self._put(label, item)

    def _put(self, label: str, item: dict[str, Any]) -> None:
        if not label or not label.replace("-", "").replace("_", "").replace(".", "").isalnum():
            raise WalletError(f"label: {label!r} must be non-empty and made of letters, digits, '-', '_', '.'")
        with self._lock:
            before = self._doc["entries"].get(label)
            self._doc["entries"][label] = item
            try:
                self._write()
            except OSError:
                if before is None:
                    del self._doc["entries"][label]
                else:
                    self._doc["entries"][label] = before
                raise
            self._signers.pop(label, None)

    def labels(self) -> list[str]:
        with self._lock:
            return sorted(self._doc["entries"])

    def entry(self, label: str) -> WalletEntry:
        with self._lock:
            item = self._doc["entries"].get(label)
        if item is None:
            raise WalletError(f"identity {label!r} is not in the wallet")
        identity = Identity(item["msp_id"], item["certificate"].encode())
        ref = Pkcs11Ref(**item["pkcs11"]) if item["kind"] == "pkcs11" else None
        return WalletEntry(label, item["org"], identity, item["kind"], ref)

    def signer(self, label: str) -> Signer:
        """The signer for ``label``: decrypts the key (once) or opens the PKCS#11 key."""
        with self._lock:
            cached = self._signers.get(label)
        if cached is not None:
            return cached
        entry = self.entry(label)
        if entry.kind == "pkcs11":
            from gateway.wallet.pkcs11_signer import pkcs11_signer

            assert entry.pkcs11 is not None
            signer = pkcs11_signer(entry.pkcs11)
        else:
            with self._lock:
                item = self._doc["entries"][label]
                der = _open(self._dek, item["key"], _entry_aad(label, item["msp_id"], item["certificate"].encode()))
            key = serialization.load_der_private_key(der, password=None)
            assert isinstance(key, ec.EllipticCurvePrivateKey)
            signer = private_key_signer(key)
        with self._lock:
            self._signers[label] = signer
        return signer
