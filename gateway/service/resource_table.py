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


def query(tag: str, path: str, function: str, args: tuple[Arg, ...], summary: str) -> ResourceOp:
    """A read: GET, evaluated on one peer, never ordered."""
    return ResourceOp(tag, "GET", path, function, args, False, summary=summary)


def setting(method: str, tag: str, path: str, function: str, args: tuple[Arg, ...], summary: str) -> ResourceOp:
    """A submitted transaction that may be re-proposed after an MVCC conflict (see the module docstring)."""
    return ResourceOp(tag, method, path, function, args, True, True, summary)


def movement(tag: str, path: str, function: str, args: tuple[Arg, ...], summary: str) -> ResourceOp:
    """A submitted value movement (POST): an MVCC conflict goes back to the caller as 409, never re-proposed."""
    return ResourceOp(tag, "POST", path, function, args, True, False, summary)


RESOURCE_OPS: tuple[ResourceOp, ...] = (
    # classes
    setting("POST", "classes", "/classes", "RegisterClass", (j("spec"),), "Register an asset class"),
    query("classes", "/classes", "ListClasses", PAGE, "List asset classes"),
    query("classes", "/classes/{class_id}", "GetClass", (p("class_id"),), "Get a class"),
    setting(
        "PUT",
        "classes",
        "/classes/{class_id}/rules",
        "UpdateClassRules",
        (p("class_id"), j("rules")),
        "Replace a class's rules",
    ),
    setting("POST", "classes", "/classes/{class_id}/pause", "PauseClass", (p("class_id"),), "Pause a class"),
    setting("POST", "classes", "/classes/{class_id}/unpause", "UnpauseClass", (p("class_id"),), "Unpause a class"),
    query("classes", "/classes/{class_id}/holders", "GetHolders", (p("class_id"), *PAGE), "Holders of a class"),
    # assets: issuance, items, underlyings
    movement(
        "assets",
        "/classes/{class_id}/mint",
        "Mint",
        (p("class_id"), a("to"), AMT, b("underlying_id", SCOPE, "")),
        "Mint fungible units",
    ),
    movement(
        "assets",
        "/classes/{class_id}/items",
        "MintItem",
        (p("class_id"), a("to"), j("spec"), b("underlying_id", SCOPE, "")),
        "Mint a unique item",
    ),
    query("assets", "/classes/{class_id}/items/{item_id}", "GetItem", (p("class_id"), p("item_id")), "Get an item"),
    query(
        "assets",
        "/classes/{class_id}/items/{item_id}/history",
        "GetAssetHistory",
        (p("class_id"), p("item_id")),
        "History of an item",
    ),
    movement(
        "assets",
        "/classes/{class_id}/items/{item_id}/transfer",
        "TransferItem",
        (p("class_id"), p("item_id"), a("receiver")),
        "Transfer an item",
    ),
    movement(
        "assets",
        "/classes/{class_id}/items/{item_id}/burn",
        "BurnItem",
        (p("class_id"), p("item_id"), b("reference", TEXT, "")),
        "Burn an item",
    ),
    movement(
        "assets",
        "/classes/{class_id}/burn",
        "Burn",
        (p("class_id"), a("account"), AMT, b("reference", TEXT, "")),
        "Burn units",
    ),
    movement(
        "assets",
        "/classes/{class_id}/redeem",
        "Redeem",
        (p("class_id"), a("account"), AMT, b("reference", TEXT, "")),
        "Redeem units",
    ),
    setting("POST", "assets", "/underlyings", "RegisterUnderlying", (j("spec"),), "Register an underlying asset"),
    query("assets", "/underlyings/{underlying_id}", "GetUnderlying", (p("underlying_id"),), "Get an underlying"),
    setting(
        "POST",
        "assets",
        "/underlyings/{underlying_id}/attestations",
        "AttestUnderlying",
        (p("underlying_id"), b("document_hash", HASH), b("opinion", TEXT)),
        "Attest an underlying",
    ),
    # accounts
    query(
        "accounts",
        ACC + "/balances/{class_id}",
        "GetBalance",
        (p("class_id"), acct()),
        "Balance of an account in a class",
    ),
    query("accounts", ACC + "/holdings", "GetHoldings", (acct(), *PAGE), "Holdings of an account"),
    query("accounts", ACC + "/items", "GetItemsByOwner", (acct(), *PAGE), "Items owned by an account"),
    query("accounts", ACC + "/history", "GetAccountHistory", (acct(), *PAGE), "History of an account"),
    setting(
        "POST", "accounts", ACC + "/compact", "Compact", (b("class_id"), acct()), "Fold an account's balance deltas"
    ),
    setting(
        "POST",
        "accounts",
        ACC + "/freeze",
        "FreezeAccount",
        (acct(), b("scope", SCOPE, "*"), b("reason", TEXT)),
        "Freeze an account",
    ),
    setting(
        "POST",
        "accounts",
        ACC + "/unfreeze",
        "UnfreezeAccount",
        (acct(), b("scope", SCOPE, "*"), b("reason", TEXT)),
        "Unfreeze an account",
    ),
    query(
        "accounts",
        "/classes/{class_id}/allowances",
        "GetAllowance",
        (p("class_id"), Arg("owner", "query", ACCOUNT), Arg("spender", "query", ACCOUNT)),
        "Allowance of a spender",
    ),
    movement(
        "accounts",
        "/classes/{class_id}/approvals",
        "Approve",
        (p("class_id"), a("owner"), a("spender"), AMT),
        "Approve a spender",
    ),
    # transfers
    movement("transfers", "/transfers", "Transfer", (b("class_id"), a("sender"), a("receiver"), AMT), "Transfer units"),
    movement(
        "transfers", "/transfers/batch", "BatchTransfer", (j("transfers", "list"),), "Several transfers, all or nothing"
    ),
    movement(
        "transfers",
        "/transfers/delegated",
        "TransferFrom",
        (b("class_id"), a("owner"), a("spender"), a("receiver"), AMT),
        "Transfer by an approved spender",
    ),
    movement(
        "transfers",
        "/transfers/forced",
        "ForcedTransfer",
        (b("class_id"), b("sender", r"^$|" + ACCOUNT), a("receiver"), b("amount_or_item", ID), b("reason", TEXT)),
        "Regulator-forced transfer",
    ),
    query(
        "transfers",
        ACC + "/pending-transfers",
        "GetPendingTransfers",
        (acct(), *PAGE),
        "Transfers awaiting an account's acceptance",
    ),
    setting(
        "POST",
        "transfers",
        "/transfers/{transfer_id}/accept",
        "AcceptTransfer",
        (p("transfer_id"),),
        "Accept a pending transfer",
    ),
    setting(
        "POST",
        "transfers",
        "/transfers/{transfer_id}/reject",
        "RejectTransfer",
        (p("transfer_id"),),
        "Reject a pending transfer",
    ),
    setting(
        "POST",
        "transfers",
        "/transfers/{transfer_id}/expire",
        "ExpireTransfer",
        (p("transfer_id"),),
        "Expire a pending transfer",
    ),
    # swaps (delivery versus payment)
    setting("POST", "swaps", "/swaps", "ProposeSwap", (j("spec"),), "Propose a swap"),
    query("swaps", "/swaps/{swap_id}", "GetSwap", (p("swap_id"),), "Get a swap"),
    setting("POST", "swaps", "/swaps/{swap_id}/settle", "SettleSwap", (p("swap_id"),), "Settle a swap"),
    setting("POST", "swaps", "/swaps/{swap_id}/cancel", "CancelSwap", (p("swap_id"),), "Cancel a swap"),
    # distributions
    setting("POST", "distributions", "/distributions", "CreateDistribution", (j("spec"),), "Create a distribution"),
    query(
        "distributions",
        "/distributions/{distribution_id}",
        "GetDistribution",
        (p("distribution_id"),),
        "Get a distribution",
    ),
    movement(
        "distributions",
        "/distributions/{distribution_id}/process",
        "ProcessDistribution",
        (p("distribution_id"), b("page_size", r"^[1-9][0-9]{0,2}$", "100", "1..500")),
        "Pay out the next page of a distribution",
    ),
    # receivables
    setting("POST", "receivables", "/receivables", "CreateReceivable", (j("spec"),), "Create a receivable"),
    query("receivables", "/receivables/{receivable_id}", "GetReceivable", (p("receivable_id"),), "Get a receivable"),
    movement(
        "receivables",
        "/receivables/{receivable_id}/settle",
        "SettleReceivable",
        (p("receivable_id"), a("payer")),
        "Settle a receivable",
    ),
    # KYC
    setting(
        "PUT",
        "kyc",
        "/kyc/{account_msp}/{account_name}",
        "GrantKyc",
        (acct(), b("expires_at", UNIX_TIME, description="Unix seconds")),
        "Grant or renew KYC",
    ),
    setting("DELETE", "kyc", "/kyc/{account_msp}/{account_name}", "RevokeKyc", (acct(),), "Revoke KYC"),
    query("kyc", "/kyc/{account_msp}/{account_name}", "GetKyc", (acct(),), "KYC status"),
    query("identity", "/whoami", "WhoAmI", (), "The chaincode's view of the caller"),
)
