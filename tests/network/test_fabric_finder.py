"""The official-binary finder used by the ``fabric`` tests: FABRIC_BIN/bin first, then PATH."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from netboot_fabric import find_fabric_binary


def _executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_finds_binary_under_fabric_bin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tool = _executable(tmp_path / "release" / "bin" / "configtxlator")
    monkeypatch.setenv("FABRIC_BIN", str(tmp_path / "release"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert find_fabric_binary("configtxlator") == tool
    assert find_fabric_binary("orderer") is None


def test_finds_binary_on_path_and_ignores_non_executables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FABRIC_BIN", raising=False)
    (tmp_path / "orderer").write_text("not executable")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_fabric_binary("orderer") is None
    _executable(tmp_path / "peer")
    assert find_fabric_binary("peer") == tmp_path / "peer"
