"""Shared fixtures: one generated two-org network per session (crypto generation is slow)."""

from __future__ import annotations

from pathlib import Path

import pytest

from devnet.endorsement.support import make_network
from network.layout import NetworkLayout


@pytest.fixture(scope="session")
def layout(tmp_path_factory: pytest.TempPathFactory) -> NetworkLayout:
    return make_network(Path(tmp_path_factory.mktemp("net")) / "net")
