"""Underlying real-world assets and their attestations.

An issuer registers the underlying asset (document hash, valuation); auditors of *other* orgs attest it,
one attestation per org. A class with ``rules.minAttestations = N`` only mints against an underlying
asset of that class holding at least N attestations: the issuer cannot vouch for itself.
"""

from __future__ import annotations

from typing import Any

from chaincode.assetregistry import keys
from chaincode.assetregistry.classes import load_class, require_class_issuer
from chaincode.assetregistry.codec import (
    format_amount,
    get_field,
    parse_amount,
    parse_hash,
    parse_id,
    parse_json_object,
)
from chaincode.assetregistry.errors import ErrorCode, RegistryError, invalid, unauthorized
from chaincode.assetregistry.identity import require_role
from chaincode.assetregistry.records import load_record
from chaincode.assetregistry.txstate import Tx


async def register_underlying(tx: Tx, spec: str) -> dict[str, Any]:
    body = parse_json_object("spec", spec)
    underlying_id = parse_id("spec.id", get_field(body, "id", "spec."))
    cls = await load_class(tx, get_field(body, "classId", "spec."), "spec.classId")
    require_class_issuer(tx, cls)
    description = body.get("description", "")
    if not isinstance(description, str) or len(description) > 1024:
        raise invalid("spec.description", "spec.description must be a string of at most 1024 characters")
    key = keys.underlying_key(underlying_id)
    if await tx.get_raw(key) is not None:
        raise RegistryError(ErrorCode.ALREADY_EXISTS, f"underlying asset {underlying_id} exists", "spec.id")
    record = {
        "id": underlying_id,
        "classId": cls["id"],
        "issuerOrg": cls["issuerOrg"],
        "documentHash": parse_hash("spec.documentHash", get_field(body, "documentHash", "spec.")),
        "valuation": format_amount(parse_amount("spec.valuation", get_field(body, "valuation", "spec."),
                                                positive=False)),
        "currency": str(body.get("currency", ""))[:16],
        "description": description,
        "attestations": [],
        "registeredAt": tx.now,
    }
    tx.put_json(key, record)
    tx.emit("UnderlyingRegistered", {"underlying": record})
    return record


async def load_underlying(tx: Tx, underlying_id: str, field: str = "underlyingId") -> dict[str, Any]:
    return await load_record(tx, keys.underlying_key, field, "underlying asset", underlying_id)


async def attest(tx: Tx, underlying_id: str, document_hash: str, opinion: str) -> dict[str, Any]:
    """An auditor of a non-issuer org confirms it checked the documents with this hash."""
    require_role(tx.caller, "auditor")
    record = await load_underlying(tx, underlying_id)
    if tx.caller.msp_id == record["issuerOrg"]:
        raise unauthorized("the issuer org cannot attest its own underlying asset")
    if parse_hash("documentHash", document_hash) != record["documentHash"]:
        raise invalid("documentHash", "documentHash differs from the registered document hash")
    if tx.caller.msp_id in record["attestations"]:
        raise RegistryError(ErrorCode.ALREADY_EXISTS, f"{tx.caller.msp_id} already attested", "underlyingId")
    if not isinstance(opinion, str) or len(opinion) > 1024:
        raise invalid("opinion", "opinion must be a string of at most 1024 characters")
    record["attestations"] = sorted([*record["attestations"], tx.caller.msp_id])
    tx.put_json(keys.underlying_key(underlying_id), record)
    attestation = {"underlyingId": underlying_id, "auditorOrg": tx.caller.msp_id,
                   "auditor": tx.caller.common_name, "opinion": opinion, "time": tx.now}
    tx.put_json(keys.attestation_key(underlying_id, tx.caller.msp_id), attestation)
    tx.emit("UnderlyingAttested", attestation)
    return record


async def require_attested(tx: Tx, cls: dict[str, Any], underlying_id: str) -> str:
    """Enforce ``minAttestations`` for a mint; returns the underlying id recorded on the mint ("" if none)."""
    needed = cls["rules"]["minAttestations"]
    if not underlying_id:
        if needed:
            raise RegistryError(ErrorCode.ATTESTATIONS_REQUIRED,
                                f"class {cls['id']} mints only against an attested underlying asset", "underlyingId")
        return ""
    record = await load_underlying(tx, underlying_id)
    if record["classId"] != cls["id"]:
        raise invalid("underlyingId", f"underlying asset {underlying_id} belongs to class {record['classId']}")
    if len(record["attestations"]) < needed:
        raise RegistryError(ErrorCode.ATTESTATIONS_REQUIRED,
                            f"{underlying_id} has {len(record['attestations'])} attestations, needs {needed}",
                            "underlyingId")
    return underlying_id
