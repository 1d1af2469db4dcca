"""The material of one org, one node or one user, as a :class:`FileSet` relative to its folder.

Folder contents follow cryptogen (``internal/cryptogen/msp/generator.go`` ``GenerateLocalMSP`` and
``GenerateVerifyingMSP``): a local MSP has ``cacerts``, ``tlscacerts``, ``signcerts``, ``keystore/priv_sk`` and
``config.yaml``; the org's verifying MSP has no signing identity. No ``admincerts`` are written because NodeOUs
are on: admins are recognised by the ``admin`` OU, which is what Fabric 2.x+ cryptogen does too.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.client.identity import canonical_pem
from network.crypto.certs import Issuer, issue_leaf, new_ca, private_key_pem
from network.crypto.files import FileSet
from network.crypto.nodeous import config_yaml
from network.layout import PRIVATE_KEY_FILE, ca_cert_name, tlsca_cert_name, user_folder_name
from network.spec.models import UserSpec

LOOPBACK_SANS = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class OrgCAs:
    """An org's two CAs: one for MSP identities, one for TLS (cryptogen's ``ca`` and ``tlsca``)."""

    domain: str
    ca: Issuer
    tlsca: Issuer


def new_org_cas(domain: str) -> OrgCAs:
    return OrgCAs(domain, new_ca(f"ca.{domain}", domain), new_ca(f"tlsca.{domain}", domain))


def org_files(cas: OrgCAs) -> FileSet:
    """``ca/``, ``tlsca/`` and the org's verifying ``msp/`` (relative to the org folder)."""
    files = FileSet()
    files.add(f"ca/{ca_cert_name(cas.domain)}", canonical_pem(cas.ca.certificate))
    files.add_key(f"ca/{PRIVATE_KEY_FILE}", private_key_pem(cas.ca.private_key))
    files.add(f"tlsca/{tlsca_cert_name(cas.domain)}", canonical_pem(cas.tlsca.certificate))
    files.add_key(f"tlsca/{PRIVATE_KEY_FILE}", private_key_pem(cas.tlsca.private_key))
    _add_verifying_msp(files, "msp", cas)
    return files


def org_msp_files(cas: OrgCAs) -> FileSet:
    """Only the org's verifying ``msp/`` (used to restore it from an existing CA)."""
    files = FileSet()
    _add_verifying_msp(files, "msp", cas)
    return files


def _add_verifying_msp(files: FileSet, prefix: str, cas: OrgCAs) -> None:
    files.add_dir(f"{prefix}/admincerts")  # empty with NodeOUs, as cryptogen leaves it
    files.add(f"{prefix}/cacerts/{ca_cert_name(cas.domain)}", canonical_pem(cas.ca.certificate))
    files.add(f"{prefix}/tlscacerts/{tlsca_cert_name(cas.domain)}", canonical_pem(cas.tlsca.certificate))
    files.add(f"{prefix}/config.yaml", config_yaml(f"cacerts/{ca_cert_name(cas.domain)}"))


def _local_msp(files: FileSet, cas: OrgCAs, name: str, unit: str, attributes: dict[str, str] | None) -> None:
    certificate, key = issue_leaf(cas.ca, name, unit=unit, attributes=attributes)
    _add_verifying_msp(files, "msp", cas)
    files.add(f"msp/signcerts/{name}-cert.pem", canonical_pem(certificate))
    files.add_key(f"msp/keystore/{PRIVATE_KEY_FILE}", private_key_pem(key))


def node_files(cas: OrgCAs, host: str, unit: str) -> FileSet:
    """A peer's or orderer's folder: local MSP plus ``tls/server.{crt,key}`` valid for its host and loopback."""
    files = FileSet()
    _local_msp(files, cas, host, unit, None)
    tls_cert, tls_key = issue_leaf(cas.tlsca, host, unit=None, tls=True, hosts=(host, *LOOPBACK_SANS))
    files.add("tls/ca.crt", canonical_pem(cas.tlsca.certificate))
    files.add("tls/server.crt", canonical_pem(tls_cert))
    files.add_key("tls/server.key", private_key_pem(tls_key))
    return files


def user_attributes(user: UserSpec) -> dict[str, str]:
    """Attributes Fabric CA puts in every enrollment certificate, plus the spec's own."""
    base = {"hf.EnrollmentID": user.name, "hf.Type": user.role, "hf.Affiliation": ""}
    return {**base, **user.attributes}


def user_files(cas: OrgCAs, user: UserSpec) -> FileSet:
    """A user's folder: local MSP (OU client or admin) plus ``tls/client.{crt,key}``."""
    name = user_folder_name(user.name, cas.domain)
    files = FileSet()
    _local_msp(files, cas, name, user.role, user_attributes(user))
    # No SANs: a user name such as User1@org1.example.com is not a DNS name, and client certs need none.
    tls_cert, tls_key = issue_leaf(cas.tlsca, name, unit=None, tls=True)
    files.add("tls/ca.crt", canonical_pem(cas.tlsca.certificate))
    files.add("tls/client.crt", canonical_pem(tls_cert))
    files.add_key("tls/client.key", private_key_pem(tls_key))
    return files
