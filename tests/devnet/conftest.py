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
