"""A generated three-orderer network on free ports, shared by the unit tests of this folder (read-only)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fabnet import spec_on_free_ports  # noqa: E402

from network.crypto.bootstrap import generate  # noqa: E402
from network.layout import NetworkLayout  # noqa: E402


@pytest.fixture(scope="session")
def fabric_layout(tmp_path_factory: pytest.TempPathFactory) -> NetworkLayout:
    out = tmp_path_factory.mktemp("fabricnet") / "net"
    generate(spec_on_free_ports(extra_org=False), out)
    return NetworkLayout(out)
