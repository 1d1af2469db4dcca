"""Glue between the contract API and the rule functions.

``run`` builds the per-transaction :class:`Tx` (caller parsed from the proposal creator, clock from the
proposal timestamp), runs one rule, and only if it returns normally flushes the buffered writes, the
key-level policies and the single event to the stub. Any exception that is not a :class:`RegistryError`
becomes ``INTERNAL`` so clients always get the documented JSON error format.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from chaincode.assetregistry.codec import canonical_json
from chaincode.assetregistry.errors import ErrorCode, RegistryError
from chaincode.assetregistry.identity import caller_from_creator
from chaincode.assetregistry.txstate import Tx

LOG = logging.getLogger("chaincode.assetregistry")

Rule = Callable[..., Awaitable[Any]]


def creator_of(stub: Any) -> tuple[str, bytes]:
    creator = stub.get_creator() or {}
    if isinstance(creator, dict):
        return str(creator.get("mspid") or ""), bytes(creator.get("idBytes") or b"")
    return str(getattr(creator, "mspid", "")), bytes(getattr(creator, "id_bytes", b""))


async def run(ctx: Any, rule: Rule, *args: Any) -> str:
    stub = ctx.get_stub()
    try:
        caller = caller_from_creator(*creator_of(stub))
        tx = Tx(stub, caller)
        result = await rule(tx, *args)
        await tx.flush()
    except RegistryError as err:
        LOG.info("refused tx=%s rule=%s code=%s field=%s", stub.get_txid(), rule.__name__, err.code.value, err.field)
        raise
    except Exception as exc:
        LOG.exception("internal error tx=%s rule=%s", stub.get_txid(), rule.__name__)
        raise RegistryError(ErrorCode.INTERNAL, f"{type(exc).__name__}: {exc}") from exc
    return canonical_json(result)
