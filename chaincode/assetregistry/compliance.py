"""Compliance controls: KYC attestations with expiry, account freezes, and the per-movement rule check.

KYC: an identity with role ``kyc`` attests an account on behalf of its own org (the provider). A class
accepts attestations from ``rules.kycProviders`` (default: its issuer org). Freezes: ``scope`` ``"*"``
freezes the account for every class and may be set by a ``kyc`` identity of the account's own org;
a class scope may be set by that class's issuer.
"""

from __future__ import annotations

from typing import Any

from chaincode.assetregistry import keys
from chaincode.assetregistry.classes import load_class, require_class_active, require_class_issuer
from chaincode.assetregistry.codec import parse_int
from chaincode.assetregistry.errors import ErrorCode, RegistryError, invalid, unauthorized
from chaincode.assetregistry.identity import account_org, is_escrow, parse_account, require_role
from chaincode.assetregistry.txstate import Tx

MAX_REASON = 512


def parse_reason(reason: Any) -> str:
    if not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_REASON:
        raise invalid("reason", f"reason must be a non-empty string of at most {MAX_REASON} characters")
    return reason


async def grant_kyc(tx: Tx, account: str, expires_at: str) -> dict[str, Any]:
    parse_account("account", account)
    require_role(tx.caller, "kyc")
    expires = parse_int("expiresAt", expires_at)
    if expires <= tx.now:
        raise invalid("expiresAt", "expiresAt must be after the transaction time")
    record = {"account": account, "provider": tx.caller.msp_id, "expiresAt": expires, "grantedAt": tx.now,
              "grantedBy": tx.caller.common_name}
    tx.put_json(keys.kyc_key(account, tx.caller.msp_id), record)
    tx.record_activity(account, "KycGranted", {"provider": tx.caller.msp_id, "expiresAt": expires})
    tx.emit("KycGranted", record)
    return record


async def revoke_kyc(tx: Tx, account: str) -> dict[str, Any]:
    parse_account("account", account)
    require_role(tx.caller, "kyc")
    key = keys.kyc_key(account, tx.caller.msp_id)
    if await tx.get_raw(key) is None:
        raise RegistryError(ErrorCode.NOT_FOUND, f"no KYC of {tx.caller.msp_id} for {account}", "account")
    tx.delete(key)
    tx.record_activity(account, "KycRevoked", {"provider": tx.caller.msp_id})
    tx.emit("KycRevoked", {"account": account, "provider": tx.caller.msp_id})
    return {"account": account, "provider": tx.caller.msp_id}


async def kyc_valid(tx: Tx, cls: dict[str, Any], account: str) -> bool:
    providers = cls["rules"]["kycProviders"] or [cls["issuerOrg"]]
    for provider in providers:
        record = await tx.get_json(keys.kyc_key(account, provider))
        if record is not None and record["expiresAt"] > tx.now:
            return True
    return False


async def require_freeze_authority(tx: Tx, scope: str, account: str) -> None:
    if scope == "*":
        require_role(tx.caller, "kyc")
        if tx.caller.msp_id != account_org(account):
            raise unauthorized(f"only {account_org(account)} compliance may freeze {account} globally", "account")
    else:
        require_class_issuer(tx, await load_class(tx, scope, "scope"))


async def set_frozen(tx: Tx, account: str, scope: str, frozen: bool, reason: str) -> dict[str, Any]:
    parse_account("account", account)
    scope = scope or "*"
    await require_freeze_authority(tx, scope, account)
    key = keys.frozen_key(scope, account)
    record = {"account": account, "scope": scope, "reason": parse_reason(reason), "time": tx.now,
              "by": tx.caller.msp_id}
    if frozen:
        tx.put_json(key, record)
    else:
        if await tx.get_raw(key) is None:
            raise RegistryError(ErrorCode.INVALID_STATE, f"{account} is not frozen in scope {scope}", "account")
        tx.delete(key)
    name = "AccountFrozen" if frozen else "AccountUnfrozen"
    tx.record_activity(account, name, {"scope": scope, "reason": reason})
    tx.emit(name, record)
    return record


async def is_frozen(tx: Tx, class_id: str, account: str) -> bool:
    for scope in ("*", class_id):
        if await tx.get_raw(keys.frozen_key(scope, account)) is not None:
            return True
    return False


async def check_receiver(tx: Tx, cls: dict[str, Any], account: str, field: str) -> None:
    """Rules any credit must satisfy: org allowed, not frozen, KYC valid when required."""
    if is_escrow(account):
        return
    allowed = cls["rules"]["allowedOrgs"]
    if allowed and account_org(account) not in allowed:
        raise RegistryError(ErrorCode.ORG_NOT_ALLOWED, f"class {cls['id']} may not be held by "
                            f"{account_org(account)}", field)
    if await is_frozen(tx, cls["id"], account):
        raise RegistryError(ErrorCode.ACCOUNT_FROZEN, f"account {account} is frozen", field)
    if cls["rules"]["kycRequired"] and not await kyc_valid(tx, cls, account):
        raise RegistryError(ErrorCode.KYC_REQUIRED, f"account {account} has no valid KYC for {cls['id']}", field)


async def check_sender(tx: Tx, cls: dict[str, Any], account: str, field: str) -> None:
    """Rules any voluntary debit must satisfy: class active, lock-up over, sender not frozen, KYC valid."""
    require_class_active(cls)
    if tx.now < cls["rules"]["lockupUntil"]:
        raise RegistryError(ErrorCode.LOCKED_UP, f"class {cls['id']} is locked up until "
                            f"{cls['rules']['lockupUntil']}", "classId")
    if is_escrow(account):
        return
    if await is_frozen(tx, cls["id"], account):
        raise RegistryError(ErrorCode.ACCOUNT_FROZEN, f"account {account} is frozen", field)
    if cls["rules"]["kycRequired"] and not await kyc_valid(tx, cls, account):
        raise RegistryError(ErrorCode.KYC_REQUIRED, f"account {account} has no valid KYC for {cls['id']}", field)


async def check_movement(tx: Tx, cls: dict[str, Any], sender: str, receiver: str) -> None:
    if sender == receiver:
        raise invalid("to", "sender and receiver are the same account")
    await check_sender(tx, cls, sender, "from")
    await check_receiver(tx, cls, receiver, "to")
