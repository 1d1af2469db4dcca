"""A signer whose P-256 key never leaves a PKCS#11 token (tested against SoftHSM2).

The token computes ECDSA over a digest we compute (``CKM_ECDSA`` on SHA-256(message)), returning the raw
``r || s`` pair; Fabric wants DER with low S (``bccsp/sw/ecdsa.go``; fabric-protocol.md §1.6), so the pair is
DER-encoded and normalised here. The PIN comes from an environment variable named in the wallet entry.
"""

from __future__ import annotations

import hashlib
import os
import threading

from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from gateway.client.ecdsa import to_low_s
from gateway.client.identity import Signer
from gateway.wallet.wallet import Pkcs11Ref, WalletError


def raw_to_der(raw: bytes) -> bytes:
    if len(raw) != 64:
        raise WalletError(f"PKCS#11 returned a {len(raw)}-byte ECDSA signature, expected 64 (P-256 r||s)")
    return encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))


def pkcs11_signer(ref: Pkcs11Ref) -> Signer:
    import pkcs11
    import pkcs11.exceptions
    from pkcs11 import KeyType, Mechanism, ObjectClass

    pin = os.environ.get(ref.pin_env)
    if not pin:
        raise WalletError(f"PKCS#11 PIN: environment variable {ref.pin_env} is not set")
    try:
        lib = pkcs11.lib(ref.module)
        token = lib.get_token(token_label=ref.token_label)
        try:
            session = token.open(user_pin=pin)
        except pkcs11.exceptions.UserAlreadyLoggedIn:
            # PKCS#11 login state is per application and token: another identity on this token logged in.
            session = token.open()
        key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, key_type=KeyType.EC, label=ref.key_label)
    except (pkcs11.PKCS11Error, RuntimeError) as exc:
        raise WalletError(f"PKCS#11 key {ref.token_label}/{ref.key_label}: {type(exc).__name__} {exc}") from None
    lock = threading.Lock()  # a PKCS#11 session is not safe for concurrent operations

    def sign(message: bytes) -> bytes:
        digest = hashlib.sha256(message).digest()
        with lock:
            raw = key.sign(digest, mechanism=Mechanism.ECDSA)
        return to_low_s(raw_to_der(raw))

    return sign
