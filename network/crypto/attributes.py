"""Fabric-CA certificate attributes, the basis of attribute-based access control in chaincode.

Fabric CA embeds enrollment attributes in an X.509 extension with OID ``1.2.3.4.5.6.7.8.1`` whose value is the
raw JSON ``{"attrs": {...}}`` (fabric-ca ``lib/attrmgr/attrmgr.go``: ``AttrOID``, ``ToPEM``/``GetAttributesFromCert``;
the chaincode ``cid`` library reads it back). Go's ``json.Marshal`` sorts map keys and writes no spaces, so the
same is done here to produce byte-identical extensions.
"""

from __future__ import annotations

import json

from cryptography import x509

ATTRIBUTES_OID = x509.ObjectIdentifier("1.2.3.4.5.6.7.8.1")


def encode_attributes(attrs: dict[str, str]) -> bytes:
    return json.dumps({"attrs": attrs}, sort_keys=True, separators=(",", ":")).encode()


def attributes_extension(attrs: dict[str, str]) -> x509.UnrecognizedExtension:
    return x509.UnrecognizedExtension(ATTRIBUTES_OID, encode_attributes(attrs))


def read_attributes(certificate: x509.Certificate) -> dict[str, str]:
    """The attributes a certificate carries; empty when it has no Fabric-CA extension."""
    try:
        ext = certificate.extensions.get_extension_for_oid(ATTRIBUTES_OID)
    except x509.ExtensionNotFound:
        return {}
    value = ext.value
    if not isinstance(value, x509.UnrecognizedExtension):
        raise ValueError("attribute extension has an unexpected type")
    decoded = json.loads(value.value)
    attrs = decoded.get("attrs", {}) if isinstance(decoded, dict) else {}
    if not isinstance(attrs, dict):
        raise ValueError("attribute extension: 'attrs' is not an object")
    return {str(k): str(v) for k, v in attrs.items()}
