"""Shared fixtures for the devnet tests (the import roots are set once for the suite in pyproject.toml)."""

from __future__ import annotations

import pytest

from network.layout import NetworkLayout


@pytest.fixture(scope="session")
def consortium(tmp_path_factory: pytest.TempPathFactory) -> NetworkLayout:
    """The default consortium generated once by the bootstrap (crypto, genesis blocks). Read-only."""
    from network.crypto.bootstrap import generate
    from network.spec import load_spec

    out = tmp_path_factory.mktemp("consortium") / "net"
    generate(load_spec(), out)
    return NetworkLayout(out)
