"""Certification chains as Go's ``x509.Verify`` builds them for the MSP (``msp/mspimplvalidate.go``).

The MSP verifies at time ``NotBefore + 1s`` of the certificate being checked (``getValidityOptsForCert``), so
an MSP never rejects an identity for being expired; expiry is enforced by the callers that need it
(proposal auth filter, orderer broadcast, deliver). Each certificate on the chain must be valid at that
instant, every issuer must be a CA allowed to sign certificates, and each signature must verify.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from cryptography import x509
from cryptography.exceptions import InvalidSignature

MAX_CHAIN_DEPTH = 10


def validity_instant(cert: x509.Certificate) -> dt.datetime:
    return cert.not_valid_before_utc + dt.timedelta(seconds=1)


def valid_at(cert: x509.Certificate, instant: dt.datetime) -> bool:
    return cert.not_valid_before_utc <= instant <= cert.not_valid_after_utc


def is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def may_sign_certificates(cert: x509.Certificate) -> bool:
    """Go: issuers need BasicConstraints CA, and KeyUsage (if present) must include certSign."""
    if not is_ca(cert):
        return False
    try:
        return bool(cert.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign)
    except x509.ExtensionNotFound:
        return True


def directly_issued_by(child: x509.Certificate, parent: x509.Certificate) -> bool:
    try:
        child.verify_directly_issued_by(parent)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def validation_chains(
    cert: x509.Certificate,
    roots: Sequence[x509.Certificate],
    intermediates: Sequence[x509.Certificate],
    instant: dt.datetime | None = None,
) -> list[list[x509.Certificate]]:
    """All chains [cert, issuer, ..., root] valid at ``instant`` (default: cert's NotBefore + 1s)."""
    when = instant or validity_instant(cert)
    if not valid_at(cert, when):
        return []
    if any(cert == root for root in roots):
        return [[cert]]
    chains: list[list[x509.Certificate]] = []

    def extend(path: list[x509.Certificate]) -> None:
        if len(path) > MAX_CHAIN_DEPTH:
            return
        tip = path[-1]
        for root in roots:
            if valid_at(root, when) and may_sign_certificates(root) and directly_issued_by(tip, root):
                chains.append([*path, root])
        for inter in intermediates:
            if inter in path or any(inter == r for r in roots):
                continue
            if valid_at(inter, when) and may_sign_certificates(inter) and directly_issued_by(tip, inter):
                extend([*path, inter])

    extend([cert])
    return chains


def unique_validation_chain(
    cert: x509.Certificate, roots: Sequence[x509.Certificate], intermediates: Sequence[x509.Certificate]
) -> list[x509.Certificate]:
    """``getUniqueValidationChain``: exactly one chain, else the identity is rejected."""
    chains = validation_chains(cert, roots, intermediates)
    if not chains:
        raise ValueError("the supplied identity is not valid: no chain to a root CA of this MSP")
    if len(chains) != 1:
        raise ValueError(f"this MSP only supports a single validation chain, got {len(chains)}")
    return chains[0]
