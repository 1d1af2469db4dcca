"""Checkpointers: remember how far an event listener got so a restarted listener resumes without gaps.

Semantics follow the official clients' checkpointers (``checkpointer.go``, ``checkpointers.file``): the state
is the next block to read plus, when stopped part-way through a block, the last processed transaction ID.
On resume the gateway restarts at that block and skips events up to and including that transaction
(``chaincodeevents.go``; reference 10.4). ``block_number is None`` means "nothing processed yet".
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from gateway.client.errors import InvalidArgumentError


class CheckpointedEvent(Protocol):
    @property
    def block_number(self) -> int: ...

    @property
    def transaction_id(self) -> str: ...


@dataclass(frozen=True)
class CheckpointState:
    block_number: int | None = None
    transaction_id: str = ""


def after_block(block_number: int) -> CheckpointState:
    """A whole block is done: resume at the next one, with no transaction to skip."""
    return CheckpointState(block_number + 1, "")


def after_transaction(block_number: int, transaction_id: str) -> CheckpointState:
    """A transaction is done: resume in the same block, after that transaction."""
    return CheckpointState(block_number, transaction_id)


def require_block_number(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidArgumentError("block_number", "must be a non-negative integer")
    return value


class Checkpointer:
    """In-memory checkpointer; subclasses persist ``state`` in ``_store``."""

    def __init__(self, state: CheckpointState | None = None) -> None:
        self._state = state or CheckpointState()

    @property
    def block_number(self) -> int | None:
        return self._state.block_number

    @property
    def transaction_id(self) -> str:
        return self._state.transaction_id

    @property
    def state(self) -> CheckpointState:
        return self._state

    def _set(self, state: CheckpointState) -> None:
        self._store(state)  # persist first: a failed write leaves the old checkpoint in force
        self._state = state

    def _store(self, state: CheckpointState) -> None:
        """In memory there is nothing to persist."""

    def checkpoint_block(self, block_number: int) -> None:
        self._set(after_block(require_block_number(block_number)))

    def checkpoint_transaction(self, block_number: int, transaction_id: str) -> None:
        if not isinstance(transaction_id, str) or not transaction_id:
            raise InvalidArgumentError("transaction_id", "must be a non-empty string")
        self._set(after_transaction(require_block_number(block_number), transaction_id))

    def checkpoint_chaincode_event(self, event: CheckpointedEvent) -> None:
        self.checkpoint_transaction(event.block_number, event.transaction_id)


class InMemoryCheckpointer(Checkpointer):
    """Survives reconnects within one process, not restarts."""


def encode_state(state: CheckpointState) -> bytes:
    return json.dumps({"blockNumber": state.block_number, "transactionId": state.transaction_id}).encode()


def decode_state(data: bytes, source: str) -> CheckpointState:
    """Read the Go (number) and Node (decimal string, keys omitted when unset) file formats alike."""
    if not data.strip():
        return CheckpointState()
    try:
        raw = json.loads(data)
        block = raw.get("blockNumber")
        txid = raw.get("transactionId") or ""
    except (ValueError, AttributeError) as error:
        raise InvalidArgumentError(source, f"not a checkpoint file: {error}") from error
    if isinstance(block, str) and block.isdigit():
        block = int(block)
    if block is not None and (isinstance(block, bool) or not isinstance(block, int) or block < 0):
        raise InvalidArgumentError(f"{source}: blockNumber", "must be a non-negative integer or null")
    if not isinstance(txid, str):
        raise InvalidArgumentError(f"{source}: transactionId", "must be a string")
    return CheckpointState(block, txid)


class FileCheckpointer(Checkpointer):
    """Checkpoint kept in a JSON file ``{"blockNumber": n, "transactionId": "..."}``, loaded on creation.

    Each update is written to a temporary file in the same directory, fsynced and renamed over the old one,
    so a crash leaves either the previous or the new checkpoint, never a torn file.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        state = decode_state(self.path.read_bytes(), str(self.path)) if self.path.exists() else CheckpointState()
        super().__init__(state)
        if not self.path.exists():
            self._store(state)

    def _store(self, state: CheckpointState) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(encode_state(state))
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def in_memory() -> InMemoryCheckpointer:
    return InMemoryCheckpointer()


def file(path: str | os.PathLike[str]) -> FileCheckpointer:
    return FileCheckpointer(path)
