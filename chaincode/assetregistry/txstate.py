"""Per-transaction view of the world state.

Why a write buffer: Fabric's simulator does not let a transaction read its own writes (``GetState`` returns
the committed value, ``rwset_builder.go``), so a batch that debits the same account twice would compute
from a stale balance. ``Tx`` keeps an overlay of this transaction's writes and serves reads from it first.
Writes reach the stub only in :meth:`Tx.flush`, after every rule passed, in sorted key order, so a refused
transaction sends no write at all and every endorser emits writes in the same order.

Fabric allows one chaincode event per transaction (the last ``SetEvent`` wins), so ``emit`` may be called
once; the event payload has the stable envelope documented in ``events.py``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any, Protocol

from chaincode.assetregistry import keys
from chaincode.assetregistry.codec import canonical_bytes
from chaincode.assetregistry.errors import ErrorCode, RegistryError
from chaincode.assetregistry.events import event_envelope
from chaincode.assetregistry.identity import Caller

_DELETED = object()


class KVLike(Protocol):
    key: str
    value: bytes


class StubLike(Protocol):
    """The subset of the shim stub this chaincode uses (``ChaincodeStub`` plus our shimfix extension)."""

    def get_txid(self) -> str: ...
    def get_tx_timestamp(self) -> Any: ...
    def set_event(self, name: str, payload: bytes) -> None: ...
    async def get_state(self, key: str) -> bytes: ...
    async def put_state(self, key: str, value: bytes) -> Any: ...
    async def delete_state(self, key: str) -> Any: ...
    async def get_state_by_range(self, start_key: str, end_key: str) -> Any: ...
    async def get_history_for_key(self, key: str) -> Any: ...
    async def set_state_validation_parameter(self, key: str, ep: bytes) -> Any: ...


class Tx:
    """State, caller and clock of one transaction."""

    def __init__(self, stub: StubLike, caller: Caller) -> None:
        self.stub = stub
        self.caller = caller
        self.tx_id: str = stub.get_txid()
        ts = stub.get_tx_timestamp()
        self.now: int = int(ts.seconds) if ts is not None else 0
        # Activity keys order entries by this: seconds alone would leave two transactions of one second in
        # random txid order.
        self.now_ns: int = self.now * 1_000_000_000 + (int(ts.nanos) if ts is not None else 0)
        self._overlay: dict[str, Any] = {}
        self._read_cache: dict[str, bytes | None] = {}
        self._validation: dict[str, bytes] = {}
        self._event: tuple[str, bytes] | None = None
        self._seq = 0

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    # -- point reads and writes -------------------------------------------------------------------
    async def get_raw(self, key: str) -> bytes | None:
        if key in self._overlay:
            value = self._overlay[key]
            return None if value is _DELETED else value
        if key not in self._read_cache:
            raw = await self.stub.get_state(key)
            self._read_cache[key] = bytes(raw) if raw else None
        return self._read_cache[key]

    async def get_json(self, key: str) -> dict[str, Any] | None:
        raw = await self.get_raw(key)
        return None if raw is None else json.loads(raw)

    def put_json(self, key: str, value: Any) -> None:
        self._overlay[key] = canonical_bytes(value)

    def delete(self, key: str) -> None:
        self._overlay[key] = _DELETED

    def set_endorsement(self, key: str, policy: bytes) -> None:
        """Key-level endorsement policy (``VALIDATION_PARAMETER`` metadata), applied at flush."""
        self._validation[key] = policy

    # -- range reads ------------------------------------------------------------------------------
    async def scan(self, start: str, end: str, limit: int | None = None) -> tuple[list[tuple[str, bytes]], bool]:
        """Keys in ``[start, end)`` in key order, merged with this transaction's own writes.

        Returns ``(items, more)``. Stops reading from the peer after ``limit`` committed keys (the
        iterator is closed, so the read set only covers what was read: Fabric records
        ``itr_exhausted=false`` and validates only up to the last key returned).
        """
        committed: list[tuple[str, bytes]] = []
        exhausted = True
        iterator = await self.stub.get_state_by_range(start, end)
        try:
            async for kv in _aiter(iterator):
                if limit is not None and len(committed) >= limit:
                    exhausted = False
                    break
                committed.append((kv.key, bytes(kv.value)))
        finally:
            closer = getattr(iterator, "aclose", None)
            if closer is not None:
                await closer()
        horizon = end if exhausted or not committed else committed[-1][0] + "\x00"
        merged: dict[str, bytes] = dict(committed)
        for key, value in self._overlay.items():
            if start <= key < horizon:
                if value is _DELETED:
                    merged.pop(key, None)
                else:
                    merged[key] = value
        items = sorted(merged.items())
        if limit is not None and len(items) > limit:
            items, exhausted = items[:limit], False
        return items, not exhausted

    async def scan_prefix(self, object_type: str, *attrs: str) -> list[tuple[str, bytes]]:
        start, end = keys.prefix_range(object_type, *attrs)
        items, _ = await self.scan(start, end)
        return items

    # -- events -----------------------------------------------------------------------------------
    def emit(self, name: str, data: dict[str, Any]) -> None:
        if self._event is not None:
            raise RegistryError(ErrorCode.INTERNAL, f"second event {name} in one transaction")
        self._event = (name, canonical_bytes(event_envelope(name, self, data)))

    @property
    def event(self) -> tuple[str, bytes] | None:
        return self._event

    def record_activity(self, account: str, kind: str, data: dict[str, Any]) -> None:
        """Append-only account history: a blind write of a fresh key, so it never causes MVCC conflicts."""
        entry = {"kind": kind, "txId": self.tx_id, "time": self.now, **data}
        self.put_json(keys.activity_key(account, self.now_ns, self.tx_id, self.next_seq()), entry)

    # -- commit -----------------------------------------------------------------------------------
    async def flush(self) -> None:
        for key in sorted(self._overlay):
            value = self._overlay[key]
            if value is _DELETED:
                await self.stub.delete_state(key)
            else:
                await self.stub.put_state(key, value)
        for key in sorted(self._validation):
            await self.stub.set_state_validation_parameter(key, self._validation[key])
        if self._event is not None:
            self.stub.set_event(self._event[0], self._event[1])


async def _aiter(iterator: Any) -> AsyncIterator[Any]:
    if hasattr(iterator, "__anext__"):
        async for item in iterator:
            yield item
    else:
        for item in iterator:
            yield item
