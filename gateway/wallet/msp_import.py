"""Import a Fabric MSP folder (``signcerts/`` + ``keystore/``) into the wallet.

The key file is read once, checked to match the certificate's public key (a mismatched pair would sign
proposals that every peer rejects with BAD_CREATOR_SIGNATURE), sealed into the wallet, and never copied.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec

from gateway.client.identity import Identity, canonical_pem, load_private_key
from gateway.wallet.wallet import Pkcs11Ref, Wallet, WalletError


def _single(folder: Path, pattern: str) -> Path:
    if not folder.is_dir():
        raise WalletError(f"{folder}: missing")
    found = sorted(p for p in folder.glob(pattern) if p.is_file())
    if len(found) != 1:
        raise WalletError(f"{folder}: expected exactly one file, found {len(found)}")
    return found[0]


def read_msp_certificate(msp_dir: Path, msp_id: str) -> Identity:
    from cryptography import x509

    cert = x509.load_pem_x509_certificate(_single(msp_dir / "signcerts", "*.pem").read_bytes())
    return Identity(msp_id, canonical_pem(cert))


def import_msp_identity(wallet: Wallet, label: str, org: str, msp_dir: Path, msp_id: str) -> Identity:
    identity = read_msp_certificate(msp_dir, msp_id)
    key = load_private_key(_single(msp_dir / "keystore", "*"))
    cert_key = identity.certificate().public_key()
    if (
        not isinstance(cert_key, ec.EllipticCurvePublicKey)
        or cert_key.public_numbers() != key.public_key().public_numbers()
    ):
        raise WalletError(f"{msp_dir}: keystore key does not match the signcert")
    wallet.put_software(label, org, identity, key)
    return identity


def import_pkcs11_identity(
    wallet: Wallet, label: str, org: str, msp_dir: Path, msp_id: str, ref: Pkcs11Ref
) -> Identity:
    """Register an identity whose key stays in an HSM; only its certificate is read from the MSP folder."""
    identity = read_msp_certificate(msp_dir, msp_id)
    wallet.put_pkcs11(label, org, identity, ref)
    return identity
