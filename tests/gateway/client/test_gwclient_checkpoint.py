"""Checkpointer semantics (official ``checkpointers``): next block + last transaction, durable file form."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from gateway.client import checkpointers
from gateway.client.errors import InvalidArgumentError
from gateway.client.events import ChaincodeEvent, resume_position


def test_in_memory_block_and_transaction_semantics() -> None:
    cp = checkpointers.in_memory()
    assert (cp.block_number, cp.transaction_id) == (None, "")
    cp.checkpoint_transaction(5, "tx1")
    assert (cp.block_number, cp.transaction_id) == (5, "tx1")
    cp.checkpoint_block(5)
    assert (cp.block_number, cp.transaction_id) == (6, "")
    cp.checkpoint_chaincode_event(ChaincodeEvent(9, "tx9", "cc", "E", b""))
    assert (cp.block_number, cp.transaction_id) == (9, "tx9")


def test_resume_position_prefers_checkpoint_progress() -> None:
    cp = checkpointers.in_memory()
    assert resume_position(3, cp) == (3, "")
    assert resume_position(None, None) == (None, "")
    cp.checkpoint_transaction(7, "t")
    assert resume_position(3, cp) == (7, "t")


def test_file_checkpoint_persists_across_instances(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "cp.json"
    first = checkpointers.file(path)
    assert json.loads(path.read_text()) == {"blockNumber": None, "transactionId": ""}
    first.checkpoint_transaction(12, "abc")
    assert json.loads(path.read_text()) == {"blockNumber": 12, "transactionId": "abc"}
    second = checkpointers.file(path)
    assert (second.block_number, second.transaction_id) == (12, "abc")
    second.checkpoint_block(12)
    assert (checkpointers.file(path).block_number, checkpointers.file(path).transaction_id) == (13, "")


def test_failed_write_keeps_previous_checkpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "cp.json"
    cp = checkpointers.file(path)
    cp.checkpoint_transaction(1, "a")

    def fail(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        cp.checkpoint_transaction(2, "b")
    assert (cp.block_number, cp.transaction_id) == (1, "a")
    assert json.loads(path.read_text()) == {"blockNumber": 1, "transactionId": "a"}
    assert [p.name for p in tmp_path.iterdir()] == ["cp.json"]


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ("not json", "cp.json"),
        ('{"blockNumber": -1}', "blockNumber"),
        ('{"blockNumber": 1, "transactionId": 5}', "transactionId"),
    ],
)
def test_corrupt_file_is_reported_with_field(tmp_path: Path, content: str, field: str) -> None:
    path = tmp_path / "cp.json"
    path.write_text(content)
    with pytest.raises(InvalidArgumentError) as info:
        checkpointers.file(path)
    assert field in info.value.field


def test_bad_checkpoint_arguments_are_refused() -> None:
    cp = checkpointers.in_memory()
    with pytest.raises(InvalidArgumentError, match="block_number"):
        cp.checkpoint_block(-1)
    with pytest.raises(InvalidArgumentError, match="transaction_id"):
        cp.checkpoint_transaction(1, "")
    assert cp.block_number is None


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"blockNumber":"42","transactionId":"tx42"}', (42, "tx42")),  # official Node client's format
        ('{"blockNumber":42,"transactionId":"tx42"}', (42, "tx42")),  # official Go client's format
        ('{"blockNumber":"7"}', (7, "")),  # Node after checkpointBlock: transactionId omitted
        ("", (None, "")),  # Node treats an empty file as no checkpoint
    ],
)
def test_reads_official_client_checkpoint_files(tmp_path: Path, content: str, expected: tuple) -> None:
    path = tmp_path / "cp.json"
    path.write_text(content)
    cp = checkpointers.file(path)
    assert (cp.block_number, cp.transaction_id) == expected
