"""How Fabric's failures become HTTP statuses. One table per failure source, documented in the README.

1. Chaincode refusals. The asset registry puts ``{"code","field","message"}`` JSON in the endorsement
   ``Response.message`` (``chaincode/assetregistry/errors.py``); the peer's gateway wraps it as
   ``"chaincode response 4xx/500, <message>"`` with gRPC UNKNOWN (``internal/pkg/gateway/apiutils.go``
   ``responseStatus``). The chaincode's own code picks the status (:data:`CHAINCODE_CODE_STATUS`).
   Non-JSON refusals of the contract API itself (unknown function, wrong number of arguments) are the
   caller's fault: 400 ``chaincode-bad-request`` (chaincode/README.md); other non-JSON failures 502.
2. gRPC status of the Gateway RPC (:data:`GRPC_STATUS`): no peer reachable -> 503, deadline -> 504,
   not enough endorsements (ABORTED on Endorse) -> 502, orderer refusal (ABORTED on Submit) -> 502,
   access denied by a channel ACL -> 502 (our org's identity is not allowed: a configuration fault the
   operator must fix, not the caller's input).
3. Commit-time validation codes (:data:`VALIDATION_CODE_STATUS`): MVCC/phantom conflicts are 409 (the
   state changed under the transaction; idempotent operations are retried before this is reported),
   an endorsement-policy failure is 502 (the network, not the request, is at fault), everything else 502.
"""

from __future__ import annotations

import json
import re

from gateway.service.fabric_port import (
    DUPLICATE_TXID,
    ENDORSEMENT_POLICY_FAILURE,
    MVCC_READ_CONFLICT,
    PHANTOM_READ_CONFLICT,
    FabricFailure,
    FailureKind,
)
from gateway.service.problems import Problem

CHAINCODE_CODE_STATUS: dict[str, int] = {
    "INVALID_ARGUMENT": 400,
    "UNAUTHORIZED": 403,
    "NOT_FOUND": 404,
    "ALREADY_EXISTS": 409,
    "INSUFFICIENT_BALANCE": 409,
    "INSUFFICIENT_ALLOWANCE": 409,
    "MAX_SUPPLY_EXCEEDED": 409,
    "KYC_REQUIRED": 403,
    "ACCOUNT_FROZEN": 423,
    "CLASS_PAUSED": 423,
    "LOCKED_UP": 423,
    "ORG_NOT_ALLOWED": 403,
    "ATTESTATIONS_REQUIRED": 409,
    "INVALID_STATE": 409,
    "EXPIRED": 410,
    "NOT_EXPIRED": 409,
    "INTERNAL": 502,
}

GRPC_STATUS: dict[str, int] = {
    "UNAVAILABLE": 503,
    "DEADLINE_EXCEEDED": 504,
    "ABORTED": 502,
    "PERMISSION_DENIED": 502,
    "INVALID_ARGUMENT": 502,
    "FAILED_PRECONDITION": 502,
    "NOT_FOUND": 502,
    "UNKNOWN": 502,
}

VALIDATION_CODE_STATUS: dict[int, int] = {
    MVCC_READ_CONFLICT: 409,
    PHANTOM_READ_CONFLICT: 409,
    DUPLICATE_TXID: 409,
    ENDORSEMENT_POLICY_FAILURE: 502,
}

_CHAINCODE_JSON = re.compile(r"\{.*\}", re.DOTALL)
# Refusals by the contract API of fabric-chaincode-python, before our code runs: the request named no such
# transaction or passed the wrong number/shape of arguments (``contract_chaincode.py``,
# ``contract_function.py``). chaincode/README.md: the caller's fault, 400.
_CONTRACT_API_REFUSALS = re.compile(
    r"not found in contract|Contract not found with name|incorrect number of params|"
    r"could not be (?:converted|parsed)|is not valid\. Expected",
)


def chaincode_error_of(text: str) -> dict[str, str] | None:
    """Find the asset registry's JSON error body inside a Fabric error message or detail."""
    match = _CHAINCODE_JSON.search(text)
    if not match:
        return None
    try:
        body = json.loads(match.group(0))
    except ValueError:
        return None
    if not isinstance(body, dict) or not isinstance(body.get("code"), str):
        return None
    return {"code": body["code"], "field": str(body.get("field", "")), "message": str(body.get("message", ""))}


def problem_for_failure(failure: FabricFailure) -> Problem:
    """Map a Fabric failure to a problem. Chaincode refusals win over the gRPC status that carries them."""
    for text in (failure.message, *failure.details):
        body = chaincode_error_of(text)
        if body is not None:
            status = CHAINCODE_CODE_STATUS.get(body["code"], 502)
            return Problem(
                status,
                "chaincode-" + body["code"].lower().replace("_", "-"),
                "Chaincode refused the transaction",
                body["message"],
                code=body["code"],
                field=body["field"] or None,
            )
    for text in (failure.message, *failure.details):
        refusal = _CONTRACT_API_REFUSALS.search(text)
        if refusal:
            return Problem(400, "chaincode-bad-request", "Chaincode refused the request", _chaincode_text(text))
    status = GRPC_STATUS.get(failure.grpc_code, 502)
    slug, title = _FAILURE_TITLES[failure.kind]
    if failure.grpc_code == "UNAVAILABLE":
        slug, title = "peer-unavailable", "Fabric peer or orderer unavailable"
    elif failure.grpc_code == "DEADLINE_EXCEEDED":
        slug, title = "fabric-timeout", "Fabric did not answer in time"
    return Problem(status, slug, title, failure.message, grpc_code=failure.grpc_code)


def _chaincode_text(text: str) -> str:
    """The chaincode's own words without the peer's ``chaincode response 500, `` wrapper."""
    match = re.search(r"chaincode response \d+, (.*)", text, re.DOTALL)
    return (match.group(1) if match else text).strip()[:500]


_FAILURE_TITLES: dict[FailureKind, tuple[str, str]] = {
    FailureKind.EVALUATE: ("evaluate-failed", "Evaluation failed"),
    FailureKind.ENDORSE: ("endorsement-failed", "Endorsement failed"),
    FailureKind.SUBMIT: ("ordering-failed", "The ordering service refused the transaction"),
    FailureKind.COMMIT_STATUS: ("commit-status-failed", "Commit status unavailable"),
    FailureKind.EVENTS: ("events-failed", "Event stream failed"),
}


def problem_for_validation_code(txid: str, code: int, name: str) -> Problem:
    """A transaction that reached a block but was marked invalid by the committing peers."""
    status = VALIDATION_CODE_STATUS.get(code, 502)
    slug = "mvcc-conflict" if code in (MVCC_READ_CONFLICT, PHANTOM_READ_CONFLICT) else "transaction-invalid"
    return Problem(
        status,
        slug,
        "Transaction invalidated at commit",
        f"transaction {txid} committed with validation code {name}",
        txid=txid,
        validation_code=name,
    )
