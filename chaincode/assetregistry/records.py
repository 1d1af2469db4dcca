"""Loading a stored record by its identifier, and the status check that guards a state transition.

Why the id is parsed before the key is built: ``keys.composite`` raises a bare ``ValueError`` on an empty
part or U+0000, which would reach the client as an unstructured error; ``parse_id`` refuses the same input
first as ``INVALID_ARGUMENT`` naming the offending field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chaincode.assetregistry.codec import parse_id
from chaincode.assetregistry.errors import ErrorCode, RegistryError, not_found
from chaincode.assetregistry.txstate import Tx


async def load_record(tx: Tx, key_of: Callable[[str], str], field: str, what: str, ident: str) -> dict[str, Any]:
    """The record stored under ``key_of(ident)``; ``NOT_FOUND`` on ``field`` ("<what> <ident> does not
    exist") when there is none. The read joins the transaction's read set like any other."""
    parse_id(field, ident)
    record = await tx.get_json(key_of(ident))
    if record is None:
        raise not_found(field, f"{what} {ident} does not exist")
    return record


def require_status(record: dict[str, Any], status: str, field: str, what: str, ident: str) -> None:
    """A transition allowed only from ``status``; any other state is ``INVALID_STATE`` on ``field``."""
    if record["status"] != status:
        raise RegistryError(ErrorCode.INVALID_STATE, f"{what} {ident} is {record['status']}", field)
