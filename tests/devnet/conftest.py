"""Import roots for the devnet tests.

``tests/devnet`` is a package so that its helpers import as ``devnet.fixtures...``; pytest therefore puts
``tests/`` on ``sys.path``, where ``tests/gateway`` and ``tests/network`` would shadow the real top-level
``gateway`` and ``network`` packages. The repository root goes first so the real packages always win.
"""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[2])
if sys.path[:1] != [_ROOT]:
    if _ROOT in sys.path:
        sys.path.remove(_ROOT)
    sys.path.insert(0, _ROOT)


import pytest  # noqa: E402

from network.layout import NetworkLayout  # noqa: E402


@pytest.fixture(scope="session")
def consortium(tmp_path_factory: pytest.TempPathFactory) -> NetworkLayout:
    """The default consortium generated once by the bootstrap (crypto, genesis blocks). Read-only."""
    from network.crypto.bootstrap import generate
    from network.spec import load_spec

    out = tmp_path_factory.mktemp("consortium") / "net"
    generate(load_spec(), out)
    return NetworkLayout(out)
