"""Who is calling: MSP ID, certificate subject and Fabric-CA attributes, parsed from the creator.

Why our own parser: the shim's ``ClientIdentity.get_attribute`` never reads the certificate (its
attribute map stays empty), so attribute-based access control would silently deny or, worse, be skipped.
Fabric CA stores enrollment attributes in the X.509 extension ``1.2.3.4.5.6.7.8.1`` whose value is the
raw JSON ``{"attrs":{"role":"issuer"}}`` (``fabric-ca/lib/attrmgr/attrmgr.go``); we read the same.

Authority always comes from this identity, never from arguments: an account ``<MSP ID>/<name>`` may be
operated by an identity of that MSP whose certificate CN equals ``<name>``, or by an identity of that MSP
holding the ``operator`` role.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID

from chaincode.assetregistry.codec import get_field, parse_id, parse_msp_id
from chaincode.assetregistry.errors import invalid, unauthorized

ATTRIBUTE_OID = x509.ObjectIdentifier("1.2.3.4.5.6.7.8.1")
ROLE_ATTRIBUTE = "role"
ROLES = frozenset({"issuer", "kyc", "auditor", "operator"})
ESCROW_PREFIX = "~escrow/"


@dataclass(frozen=True)
class Caller:
    msp_id: str
    common_name: str
    subject: str
    issuer: str
    attributes: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        """Same shape as Go ``cid.GetID`` before base64: ``x509::<subject>::<issuer>``."""
        return f"x509::{self.subject}::{self.issuer}"

    @property
    def roles(self) -> frozenset[str]:
        raw = self.attributes.get(ROLE_ATTRIBUTE, "")
        return frozenset(r.strip() for r in raw.split(",") if r.strip())

    def has_role(self, role: str) -> bool:
        return role in self.roles


def parse_certificate_attributes(cert: x509.Certificate) -> dict[str, str]:
    """Attributes from the Fabric-CA extension; absent extension means no attributes."""
    try:
        ext = cert.extensions.get_extension_for_oid(ATTRIBUTE_OID)
    except x509.ExtensionNotFound:
        return {}
    raw = ext.value.value if isinstance(ext.value, x509.UnrecognizedExtension) else b""
    try:
        body = json.loads(raw)
    except ValueError:
        raise unauthorized("certificate attribute extension is not valid JSON") from None
    attrs = body.get("attrs", {}) if isinstance(body, dict) else {}
    if not isinstance(attrs, dict):
        raise unauthorized("certificate attribute extension has no attrs object")
    return {str(k): str(v) for k, v in attrs.items()}


def caller_from_creator(msp_id: str, id_bytes: bytes) -> Caller:
    """Build the caller from ``SerializedIdentity{mspid, id_bytes=PEM certificate}``."""
    if not msp_id:
        raise unauthorized("transaction creator has no MSP ID")
    try:
        cert = x509.load_pem_x509_certificate(bytes(id_bytes))
    except ValueError:
        raise unauthorized("transaction creator is not a PEM X.509 certificate") from None
    cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    common_name = str(cns[0].value) if cns else ""
    return Caller(
        msp_id=msp_id,
        common_name=common_name,
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        attributes=parse_certificate_attributes(cert),
    )


def parse_account(field_name: str, text: object) -> str:
    """``<MSP ID>/<name>``; escrow accounts cannot be named from outside (``~`` is not a valid MSP char)."""
    if not isinstance(text, str) or text.count("/") != 1:
        raise invalid(field_name, f"{field_name} must be '<MSP ID>/<name>'")
    msp, name = text.split("/")
    parse_msp_id(field_name, msp)
    parse_id(field_name, name)
    return text


def account_org(account: str) -> str:
    return account.split("/", 1)[0]


def escrow_account(kind: str, ref: str) -> str:
    return f"{ESCROW_PREFIX}{kind}:{ref}"


def is_escrow(account: str) -> bool:
    return account.startswith(ESCROW_PREFIX)


def controls_account(caller: Caller, account: str) -> bool:
    """Rule: same MSP, and CN equals the account name or the caller is the org's operator."""
    if is_escrow(account):
        return False
    msp, name = account.split("/", 1)
    if caller.msp_id != msp:
        return False
    return caller.common_name == name or caller.has_role("operator")


def require_controls_account(caller: Caller, account: str, field_name: str) -> None:
    if not controls_account(caller, account):
        raise unauthorized(
            f"identity {caller.common_name!r} of {caller.msp_id} may not operate account {account}", field_name
        )


def parse_parties(caller: Caller, body: dict[str, Any], own: str, other: str) -> tuple[str, str]:
    """``spec.<own>`` (an account the caller controls) and ``spec.<other>`` (a different account): a party
    can only commit its own account, and a deal with itself would move nothing but fake volume."""
    own_account = parse_account(f"spec.{own}", get_field(body, own, "spec."))
    other_account = parse_account(f"spec.{other}", get_field(body, other, "spec."))
    require_controls_account(caller, own_account, f"spec.{own}")
    if own_account == other_account:
        raise invalid(f"spec.{other}", f"{other} must differ from {own}")
    return own_account, other_account


def require_role(caller: Caller, role: str) -> None:
    if not caller.has_role(role):
        raise unauthorized(f"identity {caller.common_name!r} of {caller.msp_id} lacks role {role!r}")
