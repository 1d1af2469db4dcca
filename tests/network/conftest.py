"""Shared fixtures for the bootstrap tests: a generated default network and the official-binary finder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from netboot_fabric import FABRIC_RELEASES, find_fabric_binary

from network.crypto.bootstrap import generate
from network.layout import NetworkLayout
from network.spec import ConsortiumSpec, load_spec


@pytest.fixture(scope="session")
def default_spec() -> ConsortiumSpec:
    return load_spec()


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory, default_spec: ConsortiumSpec) -> NetworkLayout:
    """The default consortium, generated once per session. Tests must not modify it."""
    out = tmp_path_factory.mktemp("net") / "net"
    generate(default_spec, out)
    return NetworkLayout(out)


@pytest.fixture
def fresh(tmp_path: Path, default_spec: ConsortiumSpec) -> NetworkLayout:
    """A private generated network a test may modify."""
    out = tmp_path / "net"
    generate(default_spec, out)
    return NetworkLayout(out)


@pytest.fixture
def fabric_binary() -> Callable[[str], Path]:
    """Returns a finder that skips the test, naming what is missing and where to get it."""

    def require(name: str) -> Path:
        path = find_fabric_binary(name)
        if path is None:
            pytest.skip(
                f"official Fabric binary '{name}' not found on PATH or in $FABRIC_BIN/bin; "
                f"get it from {FABRIC_RELEASES}"
            )
        return path

    return require
