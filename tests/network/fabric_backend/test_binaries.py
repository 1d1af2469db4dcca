"""Finding official binaries, and the message when they are missing (never a download)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from network.cli import main
from network.fabric.binaries import MissingBinariesError, find_binary, require_binaries


def _executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\necho 'peer:'; echo ' Version: v3.1.5'\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_release_layout_under_fabric_bin_wins_over_path(tmp_path: Path) -> None:
    release = _executable(tmp_path / "release" / "bin" / "peer")
    on_path = _executable(tmp_path / "path" / "peer")
    env = {"FABRIC_BIN": str(tmp_path / "release"), "PATH": str(on_path.parent)}
    assert find_binary("peer", env) == release.resolve()
    assert find_binary("peer", {"PATH": str(on_path.parent)}) == on_path.resolve()


def test_non_executable_files_are_not_binaries(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "orderer").write_text("not a program")
    assert find_binary("orderer", {"FABRIC_BIN": str(tmp_path), "PATH": ""}) is None


def test_missing_binaries_are_all_named_with_where_to_get_a_release(tmp_path: Path) -> None:
    _executable(tmp_path / "bin" / "peer")
    with pytest.raises(MissingBinariesError) as err:
        require_binaries(("orderer", "peer", "osnadmin"), {"FABRIC_BIN": str(tmp_path), "PATH": ""})
    assert err.value.missing == ["orderer", "osnadmin"]
    message = str(err.value)
    assert "orderer, osnadmin" in message and "peer," not in message
    assert "https://github.com/hyperledger/fabric/releases" in message
    assert "FABRIC_BIN" in message and str(tmp_path) in message


def test_found_binaries_are_returned_by_name(tmp_path: Path) -> None:
    peer = _executable(tmp_path / "bin" / "peer")
    orderer = _executable(tmp_path / "bin" / "orderer")
    found = require_binaries(env={"FABRIC_BIN": str(tmp_path), "PATH": ""})
    assert found == {"peer": peer.resolve(), "orderer": orderer.resolve()}


def test_up_on_fabric_without_binaries_exits_non_zero_and_says_what_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("FABRIC_BIN", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    netdir = tmp_path / "net"
    code = main(["up", "--backend", "fabric", "--netdir", str(netdir)])
    err = capsys.readouterr().err
    assert code == 1
    assert "orderer, peer" in err and "releases" in err
    assert not netdir.exists()  # nothing generated or started before the check
