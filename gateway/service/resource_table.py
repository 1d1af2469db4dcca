"""Every REST resource operation, mapped to one asset-registry transaction (``chaincode/README.md``).

Arguments are taken, in the chaincode's order, from the path, the query string or the JSON body;
``json`` arguments are objects/lists in the body, passed to the chaincode as canonical JSON strings.

``idempotent`` marks operations whose re-execution after an MVCC conflict cannot mean something other than
what the caller asked: creating a record with a caller-chosen id (a repeat is ALREADY_EXISTS), setting a
flag, settling/cancelling by id. Value movements (mint, burn, transfer, approve, ...) are *not* re-proposed
automatically: the caller sees 409 and decides, since the balances they were based on have changed.
"""

from __future__ import annotations

from dataclasses import dataclass

ID = r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$"
MSP = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
ACCOUNT = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}/[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$"  # <MSP ID>/<name>
AMOUNT = r"^(0|[1-9][0-9]{0,77})$"
HASH = r"^(sha256:)?[0-9a-f]{64}$"
SCOPE = r"^(|\*|[A-Za-z0-9][A-Za-z0-9._:@-]{0,127})$"  # "" or "*" = every class, else a class id
UNIX_TIME = r"^[0-9]{1,12}$"  # unix seconds, decimal string
TEXT = r"^[^\x00-\x1f\x7f-\x9f]{0,512}$"  # no C0/C1 control characters


@dataclass(frozen=True)
class Arg:
    name: str
    source: str  # "path" | "account" (two path segments {name_msp}/{name_name}) | "query" | "body" | "json"
    pattern: str | None = None
    default: str | None = None  # None: required
    json_kind: str = "object"  # for source == "json": "object" | "list"
    description: str = ""


@dataclass(frozen=True)
class ResourceOp:
    tag: str
    method: str
    path: str
    function: str
    args: tuple[Arg, ...]
    submit: bool
    idempotent: bool = False
    summary: str = ""


def p(name: str) -> Arg:
    return Arg(name, "path", ID)


def acct(name: str = "account") -> Arg:
    """An account ``<MSP ID>/<name>`` in the URL: two segments, since ``%2F`` is decoded before routing."""
    return Arg(name, "account")


def b(name: str, pattern: str | None = ID, default: str | None = None, description: str = "") -> Arg:
    return Arg(name, "body", pattern, default, description=description)


def a(name: str, default: str | None = None) -> Arg:
    return Arg(name, "body", ACCOUNT, default, description="Account <MSP ID>/<name>")


def j(name: str, kind: str = "object", description: str = "") -> Arg:
    return Arg(name, "json", json_kind=kind, description=description)


PAGE = (
    Arg("page_size", "query", r"^([1-9][0-9]{0,2})?$", "", description="1..200; empty = 50"),
    Arg("bookmark", "query", r"^[A-Za-z0-9._:@=+/~-]{0,512}$", ""),
)
AMT = b("amount", AMOUNT, description="Integer amount in smallest units, decimal string")
ACC = "/accounts/{account_msp}/{account_name}"

RESOURCE_OPS: tuple[ResourceOp, ...] = (
    # classes
    ResourceOp("classes", "POST", "/classes", "RegisterClass", (j("spec"),), True, True, "Register an asset class"),
    ResourceOp("classes", "GET", "/classes", "ListClasses", PAGE, False, summary="List asset classes"),
    ResourceOp("classes", "GET", "/classes/{class_id}", "GetClass", (p("class_id"),), False, summary="Get a class"),
    ResourceOp(
        "classes",
        "PUT",
        "/classes/{class_id}/rules",
        "UpdateClassRules",
        (p("class_id"), j("rules")),
        True,
        True,
        "Replace a class's rules",
    ),
    ResourceOp(
        "classes", "POST", "/classes/{class_id}/pause", "PauseClass", (p("class_id"),), True, True, "Pause a class"
    ),
    ResourceOp(
        "classes",
        "POST",
        "/classes/{class_id}/unpause",
        "UnpauseClass",
        (p("class_id"),),
        True,
        True,
        "Unpause a class",
    ),
    ResourceOp(
        "classes",
        "GET",
        "/classes/{class_id}/holders",
        "GetHolders",
        (p("class_id"), *PAGE),
        False,
        summary="Holders of a class",
    ),
    # assets: issuance, items, underlyings
    ResourceOp(
        "assets",
        "POST",
        "/classes/{class_id}/mint",
        "Mint",
        (p("class_id"), a("to"), AMT, b("underlying_id", SCOPE, "")),
        True,
        summary="Mint fungible units",
    ),
    ResourceOp(
        "assets",
        "POST",
        "/classes/{class_id}/items",
        "MintItem",
        (p("class_id"), a("to"), j("spec"), b("underlying_id", SCOPE, "")),
        True,
        summary="Mint a unique item",
    ),
    ResourceOp(
        "assets",
        "GET",
        "/classes/{class_id}/items/{item_id}",
        "GetItem",
        (p("class_id"), p("item_id")),
        False,
        summary="Get an item",
    ),
    ResourceOp(
        "assets",
        "GET",
        "/classes/{class_id}/items/{item_id}/history",
        "GetAssetHistory",
        (p("class_id"), p("item_id")),
        False,
        summary="History of an item",
    ),
    ResourceOp(
        "assets",
        "POST",
        "/classes/{class_id}/items/{item_id}/transfer",
        "TransferItem",
        (p("class_id"), p("item_id"), a("receiver")),
        True,
        summary="Transfer an item",
    ),
    ResourceOp(
        "assets",
        "POST",
        "/classes/{class_id}/items/{item_id}/burn",
        "BurnItem",
        (p("class_id"), p("item_id"), b("reference", TEXT, "")),
        True,
        summary="Burn an item",
    ),
    ResourceOp(
        "assets",
        "POST",
        "/classes/{class_id}/burn",
        "Burn",
        (p("class_id"), a("account"), AMT, b("reference", TEXT, "")),
        True,
        summary="Burn units",
    ),
    ResourceOp(
        "assets",
        "POST",
        "/classes/{class_id}/redeem",
        "Redeem",
        (p("class_id"), a("account"), AMT, b("reference", TEXT, "")),
        True,
        summary="Redeem units",
    ),
    ResourceOp(
        "assets", "POST", "/underlyings", "RegisterUnderlying", (j("spec"),), True, True, "Register an underlying asset"
    ),
    ResourceOp(
        "assets",
        "GET",
        "/underlyings/{underlying_id}",
        "GetUnderlying",
        (p("underlying_id"),),
        False,
        summary="Get an underlying",
    ),
    ResourceOp(
        "assets",
        "POST",
        "/underlyings/{underlying_id}/attestations",
        "AttestUnderlying",
        (p("underlying_id"), b("document_hash", HASH), b("opinion", TEXT)),
        True,
        True,
        "Attest an underlying",
    ),
    # accounts
    ResourceOp(
        "accounts",
        "GET",
        ACC + "/balances/{class_id}",
        "GetBalance",
        (p("class_id"), acct()),
        False,
        summary="Balance of an account in a class",
    ),
    ResourceOp(
        "accounts",
        "GET",
        ACC + "/holdings",
        "GetHoldings",
        (acct(), *PAGE),
        False,
        summary="Holdings of an account",
    ),
    ResourceOp(
        "accounts",
        "GET",
        ACC + "/items",
        "GetItemsByOwner",
        (acct(), *PAGE),
        False,
        summary="Items owned by an account",
    ),
    ResourceOp(
        "accounts",
        "GET",
        ACC + "/history",
        "GetAccountHistory",
        (acct(), *PAGE),
        False,
        summary="History of an account",
    ),
    ResourceOp(
        "accounts",
        "POST",
        ACC + "/compact",
        "Compact",
        (b("class_id"), acct()),
        True,
        True,
        "Fold an account's balance deltas",
    ),
    ResourceOp(
        "accounts",
        "POST",
        ACC + "/freeze",
        "FreezeAccount",
        (acct(), b("scope", SCOPE, "*"), b("reason", TEXT)),
        True,
        True,
        "Freeze an account",
    ),
    ResourceOp(
        "accounts",
        "POST",
        ACC + "/unfreeze",
        "UnfreezeAccount",
        (acct(), b("scope", SCOPE, "*"), b("reason", TEXT)),
        True,
        True,
        "Unfreeze an account",
    ),
    ResourceOp(
        "accounts",
        "GET",
        "/classes/{class_id}/allowances",
        "GetAllowance",
        (p("class_id"), Arg("owner", "query", ACCOUNT), Arg("spender", "query", ACCOUNT)),
        False,
        summary="Allowance of a spender",
    ),
    ResourceOp(
        "accounts",
        "POST",
        "/classes/{class_id}/approvals",
        "Approve",
        (p("class_id"), a("owner"), a("spender"), AMT),
        True,
        summary="Approve a spender",
    ),
    # transfers
    ResourceOp(
        "transfers",
        "POST",
        "/transfers",
        "Transfer",
        (b("class_id"), a("sender"), a("receiver"), AMT),
        True,
        summary="Transfer units",
    ),
    ResourceOp(
        "transfers",
        "POST",
        "/transfers/batch",
        "BatchTransfer",
        (j("transfers", "list"),),
        True,
        summary="Several transfers, all or nothing",
    ),
    ResourceOp(
        "transfers",
        "POST",
        "/transfers/delegated",
        "TransferFrom",
        (b("class_id"), a("owner"), a("spender"), a("receiver"), AMT),
        True,
        summary="Transfer by an approved spender",
    ),
    ResourceOp(
        "transfers",
        "POST",
        "/transfers/forced",
        "ForcedTransfer",
        (b("class_id"), b("sender", r"^$|" + ACCOUNT), a("receiver"), b("amount_or_item", ID), b("reason", TEXT)),
        True,
        summary="Regulator-forced transfer",
    ),
    ResourceOp(
        "transfers",
        "GET",
        ACC + "/pending-transfers",
        "GetPendingTransfers",
        (acct(), *PAGE),
        False,
        summary="Transfers awaiting an account's acceptance",
    ),
    ResourceOp(
        "transfers",
        "POST",
        "/transfers/{transfer_id}/accept",
        "AcceptTransfer",
        (p("transfer_id"),),
        True,
        True,
        "Accept a pending transfer",
    ),
    ResourceOp(
        "transfers",
        "POST",
        "/transfers/{transfer_id}/reject",
        "RejectTransfer",
        (p("transfer_id"),),
        True,
        True,
        "Reject a pending transfer",
    ),
    ResourceOp(
        "transfers",
        "POST",
        "/transfers/{transfer_id}/expire",
        "ExpireTransfer",
        (p("transfer_id"),),
        True,
        True,
        "Expire a pending transfer",
    ),
    # swaps (delivery versus payment)
    ResourceOp("swaps", "POST", "/swaps", "ProposeSwap", (j("spec"),), True, True, "Propose a swap"),
    ResourceOp("swaps", "GET", "/swaps/{swap_id}", "GetSwap", (p("swap_id"),), False, summary="Get a swap"),
    ResourceOp("swaps", "POST", "/swaps/{swap_id}/settle", "SettleSwap", (p("swap_id"),), True, True, "Settle a swap"),
    ResourceOp("swaps", "POST", "/swaps/{swap_id}/cancel", "CancelSwap", (p("swap_id"),), True, True, "Cancel a swap"),
    # distributions
    ResourceOp(
        "distributions",
        "POST",
        "/distributions",
        "CreateDistribution",
        (j("spec"),),
        True,
        True,
        "Create a distribution",
    ),
    ResourceOp(
        "distributions",
        "GET",
        "/distributions/{distribution_id}",
        "GetDistribution",
        (p("distribution_id"),),
        False,
        summary="Get a distribution",
    ),
    ResourceOp(
        "distributions",
        "POST",
        "/distributions/{distribution_id}/process",
        "ProcessDistribution",
        (p("distribution_id"), b("page_size", r"^[1-9][0-9]{0,2}$", "100", "1..500")),
        True,
        summary="Pay out the next page of a distribution",
    ),
    # receivables
    ResourceOp(
        "receivables", "POST", "/receivables", "CreateReceivable", (j("spec"),), True, True, "Create a receivable"
    ),
    ResourceOp(
        "receivables",
        "GET",
        "/receivables/{receivable_id}",
        "GetReceivable",
        (p("receivable_id"),),
        False,
        summary="Get a receivable",
    ),
    ResourceOp(
        "receivables",
        "POST",
        "/receivables/{receivable_id}/settle",
        "SettleReceivable",
        (p("receivable_id"), a("payer")),
        True,
        summary="Settle a receivable",
    ),
    # KYC
    ResourceOp(
        "kyc",
        "PUT",
        "/kyc/{account_msp}/{account_name}",
        "GrantKyc",
        (acct(), b("expires_at", UNIX_TIME, description="Unix seconds")),
        True,
        True,
        "Grant or renew KYC",
    ),
    ResourceOp("kyc", "DELETE", "/kyc/{account_msp}/{account_name}", "RevokeKyc", (acct(),), True, True, "Revoke KYC"),
    ResourceOp("kyc", "GET", "/kyc/{account_msp}/{account_name}", "GetKyc", (acct(),), False, summary="KYC status"),
    ResourceOp("identity", "GET", "/whoami", "WhoAmI", (), False, summary="The chaincode's view of the caller"),
)
