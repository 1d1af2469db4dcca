"""CLI wiring: --backend on the lifecycle commands, the recorded back end, add-org and compose parsers."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
import yaml

from network.cli import build_parser, main
from network.fabric import cli as fabric_cli
from network.fabric.supervisor import marker_path
from network.layout import NetworkLayout


def test_backend_option_on_every_lifecycle_command() -> None:
    parser = build_parser()
    for command in ("up", "down", "status", "reset", "deploy"):
        args = parser.parse_args([command, "--netdir", "x", "--backend", "fabric"])
        assert args.backend == "fabric", command
    with pytest.raises(SystemExit):
        parser.parse_args(["up", "--backend", "kubernetes"])


def test_recorded_backend_is_the_default(tmp_path: Path) -> None:
    args = argparse.Namespace(netdir=tmp_path, backend=None)
    assert fabric_cli.chosen_backend(args) == "devnet"
    marker_path(tmp_path).parent.mkdir(parents=True)
    marker_path(tmp_path).write_text("fabric\n")
    assert fabric_cli.chosen_backend(args) == "fabric"
    assert fabric_cli.chosen_backend(argparse.Namespace(netdir=tmp_path, backend="devnet")) == "devnet"


def test_devnet_handlers_stay_the_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    called: list[str] = []
    handler = fabric_cli.dispatching("down", lambda args: called.append("devnet") or 0)
    monkeypatch.setitem(fabric_cli.FABRIC_HANDLERS, "down", lambda args: called.append("fabric") or 0)
    handler(argparse.Namespace(netdir=tmp_path, backend=None))
    handler(argparse.Namespace(netdir=tmp_path, backend="fabric"))
    assert called == ["devnet", "fabric"]


def test_compose_command_writes_the_file(fabric_layout: NetworkLayout, tmp_path: Path) -> None:
    out = tmp_path / "dc.yaml"
    assert main(["compose", "--netdir", str(fabric_layout.root), "--out", str(out)]) == 0
    assert len(yaml.safe_load(out.read_text())["services"]) == 6


def test_add_org_requires_its_fields(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["add-org", "--name", "Org4", "--channel", "c"])
    assert "--domain" in capsys.readouterr().err


def test_status_of_a_stopped_fabric_network_lists_every_node_as_stopped(
    fabric_layout: NetworkLayout, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["status", "--backend", "fabric", "--netdir", str(fabric_layout.root)])
    out = capsys.readouterr().out
    assert code == 3  # not healthy
    assert out.count("stopped") == 6 and "orderer2.example.com" in out


def test_compose_is_a_recorded_backend(tmp_path: Path) -> None:
    marker_path(tmp_path).parent.mkdir(parents=True)
    marker_path(tmp_path).write_text("compose\n")
    assert fabric_cli.chosen_backend(argparse.Namespace(netdir=tmp_path, backend=None)) == "compose"
    args = build_parser().parse_args(["up", "--netdir", "x", "--backend", "compose", "--image-tag", "3.1.5"])
    assert (args.backend, args.image_tag) == ("compose", "3.1.5")
