"""Asset classes: what can be held, who issues it, and the transfer rules every movement must obey."""

from __future__ import annotations

from typing import Any

from chaincode.assetregistry import keys
from chaincode.assetregistry.codec import (
    format_amount,
    get_field,
    parse_amount,
    parse_id,
    parse_int,
    parse_json_object,
    parse_msp_id,
)
from chaincode.assetregistry.errors import ErrorCode, RegistryError, invalid, unauthorized
from chaincode.assetregistry.identity import require_role
from chaincode.assetregistry.records import load_record
from chaincode.assetregistry.txstate import Tx

FUNGIBLE = "fungible"
NON_FUNGIBLE = "nonfungible"
FUNGIBLE_CATEGORIES = frozenset({"security", "commodity", "utility", "payment"})
NON_FUNGIBLE_CATEGORIES = frozenset({"ip", "goods", "capacity", "data", "receivable", "order"})
MAX_DECIMALS = 18
MAX_ORGS = 64


def parse_rules(raw: Any, field: str = "rules") -> dict[str, Any]:
    """Transfer rules; unknown keys are refused so a typo never silently disables a control."""
    rules = parse_json_object(field, raw if raw not in ("", None) else "{}")
    allowed = {"kycRequired", "kycProviders", "allowedOrgs", "lockupUntil", "paused", "requireAcceptance",
               "minAttestations"}
    for name in rules:
        if name not in allowed:
            raise invalid(f"{field}.{name}", f"unknown rule {name}; allowed: {sorted(allowed)}")
    out: dict[str, Any] = {}
    for flag in ("kycRequired", "paused", "requireAcceptance"):
        value = rules.get(flag, False)
        if not isinstance(value, bool):
            raise invalid(f"{field}.{flag}", f"{field}.{flag} must be true or false")
        out[flag] = value
    for name in ("kycProviders", "allowedOrgs"):
        orgs = rules.get(name, [])
        if not isinstance(orgs, list) or len(orgs) > MAX_ORGS:
            raise invalid(f"{field}.{name}", f"{field}.{name} must be a list of at most {MAX_ORGS} MSP IDs")
        out[name] = sorted({parse_msp_id(f"{field}.{name}", o) for o in orgs})
    out["lockupUntil"] = parse_int(f"{field}.lockupUntil", rules.get("lockupUntil", 0))
    out["minAttestations"] = parse_int(f"{field}.minAttestations", rules.get("minAttestations", 0), maximum=64)
    return out


def parse_class_spec(raw: Any, issuer_org: str) -> dict[str, Any]:
    spec = parse_json_object("spec", raw)
    class_id = parse_id("spec.id", get_field(spec, "id", "spec."))
    kind = get_field(spec, "kind", "spec.")
    if kind not in (FUNGIBLE, NON_FUNGIBLE):
        raise invalid("spec.kind", "spec.kind must be 'fungible' or 'nonfungible'")
    category = get_field(spec, "category", "spec.")
    categories = FUNGIBLE_CATEGORIES if kind == FUNGIBLE else NON_FUNGIBLE_CATEGORIES
    if category not in categories:
        raise invalid("spec.category", f"spec.category for {kind} must be one of {sorted(categories)}")
    name = spec.get("name", class_id)
    if not isinstance(name, str) or len(name) > 256:
        raise invalid("spec.name", "spec.name must be a string of at most 256 characters")
    record: dict[str, Any] = {
        "id": class_id,
        "kind": kind,
        "category": category,
        "name": name,
        "issuerOrg": issuer_org,
        "rules": parse_rules(spec.get("rules", {}), "spec.rules"),
        "status": "active",
    }
    if kind == FUNGIBLE:
        record["decimals"] = parse_int("spec.decimals", get_field(spec, "decimals", "spec."), maximum=MAX_DECIMALS)
        max_supply = spec.get("maxSupply")
        record["maxSupply"] = None if max_supply in (None, "") else format_amount(
            parse_amount("spec.maxSupply", max_supply))
    else:
        for extra in ("decimals", "maxSupply"):
            if extra in spec:
                raise invalid(f"spec.{extra}", f"spec.{extra} is not allowed for non-fungible classes")
    return record


async def load_class(tx: Tx, class_id: str, field: str = "classId") -> dict[str, Any]:
    return await load_record(tx, keys.class_key, field, "asset class", class_id)


def require_kind(cls: dict[str, Any], kind: str, field: str = "classId") -> None:
    if cls["kind"] != kind:
        raise invalid(field, f"class {cls['id']} is {cls['kind']}, this operation needs {kind}")


async def load_class_of_kind(tx: Tx, class_id: str, kind: str) -> dict[str, Any]:
    """The class named by the ``classId`` argument, refused unless it holds ``kind`` assets."""
    cls = await load_class(tx, class_id)
    require_kind(cls, kind)
    return cls


def require_class_issuer(tx: Tx, cls: dict[str, Any]) -> None:
    """Only an ``issuer``-role identity of the class's issuer org administers the class."""
    require_role(tx.caller, "issuer")
    if tx.caller.msp_id != cls["issuerOrg"]:
        raise unauthorized(f"class {cls['id']} is issued by {cls['issuerOrg']}, not {tx.caller.msp_id}")


def require_class_active(cls: dict[str, Any]) -> None:
    if cls["rules"]["paused"]:
        raise RegistryError(ErrorCode.CLASS_PAUSED, f"class {cls['id']} is paused", "classId")
    if cls["status"] != "active":
        raise RegistryError(ErrorCode.INVALID_STATE, f"class {cls['id']} is {cls['status']}", "classId")


def require_class_unlocked(cls: dict[str, Any], field: str = "classId") -> None:
    """Balances of a class must not move while a distribution of it is in progress (record-date snapshot)."""
    if cls["status"] != "active":
        raise RegistryError(ErrorCode.INVALID_STATE, f"class {cls['id']} is {cls['status']}", field)


async def register_class(tx: Tx, spec: str) -> dict[str, Any]:
    require_role(tx.caller, "issuer")
    record = parse_class_spec(spec, tx.caller.msp_id)
    key = keys.class_key(record["id"])
    if await tx.get_raw(key) is not None:
        raise RegistryError(ErrorCode.ALREADY_EXISTS, f"class {record['id']} already exists", "spec.id")
    record["createdAt"] = tx.now
    tx.put_json(key, record)
    tx.put_json(keys.supply_key(record["id"]), {"supply": "0"})
    tx.emit("ClassRegistered", {"class": record})
    return record


async def set_paused(tx: Tx, class_id: str, paused: bool) -> dict[str, Any]:
    cls = await load_class(tx, class_id)
    require_class_issuer(tx, cls)
    cls["rules"]["paused"] = paused
    tx.put_json(keys.class_key(class_id), cls)
    tx.emit("ClassPaused" if paused else "ClassUnpaused", {"classId": class_id})
    return cls


async def update_rules(tx: Tx, class_id: str, rules: str) -> dict[str, Any]:
    cls = await load_class(tx, class_id)
    require_class_issuer(tx, cls)
    cls["rules"] = parse_rules(rules)
    tx.put_json(keys.class_key(class_id), cls)
    tx.emit("ClassRulesUpdated", {"classId": class_id, "rules": cls["rules"]})
    return cls


async def get_supply(tx: Tx, class_id: str) -> int:
    record = await tx.get_json(keys.supply_key(class_id))
    return int(record["supply"]) if record else 0


def put_supply(tx: Tx, class_id: str, supply: int) -> None:
    tx.put_json(keys.supply_key(class_id), {"supply": format_amount(supply)})
