import hashlib

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from gateway.client import ecdsa
from gateway.client.txid import compute_txid


def test_signatures_are_low_s_and_verify() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    for i in range(40):
        sig = ecdsa.sign(key, b"m%d" % i)
        assert ecdsa.is_low_s(sig)
        assert ecdsa.verify(key.public_key(), b"m%d" % i, sig)


def test_high_s_twin_is_rejected_like_fabric() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    sig = ecdsa.sign(key, b"msg")
    r, s = decode_dss_signature(sig)
    high = encode_dss_signature(r, ecdsa.P256_ORDER - s)
    # Mathematically valid, but Fabric refuses it.
    assert not ecdsa.verify(key.public_key(), b"msg", high)
    assert ecdsa.verify(key.public_key(), b"msg", ecdsa.to_low_s(high))


def test_wrong_message_and_garbage_are_invalid() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    sig = ecdsa.sign(key, b"msg")
    assert not ecdsa.verify(key.public_key(), b"other", sig)
    assert not ecdsa.verify(key.public_key(), b"msg", b"\x30\x00")
    assert not ecdsa.verify(key.public_key(), b"msg", sig + b"\x00")


def test_txid_is_sha256_of_nonce_then_creator() -> None:
    # Order matters: Fabric hashes nonce first, then the serialized creator.
    assert compute_txid(b"\x01\x02", b"creator") == hashlib.sha256(b"\x01\x02creator").hexdigest()
    assert compute_txid(b"\x01\x02", b"creator") != hashlib.sha256(b"creator\x01\x02").hexdigest()
