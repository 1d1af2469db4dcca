"""The benchmarks import as ``scripts.benchkit``: put the repository root first on ``sys.path``."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = str(Path(__file__).resolve().parents[2])
if sys.path[:1] != [REPO]:
    if REPO in sys.path:
        sys.path.remove(REPO)
    sys.path.insert(0, REPO)
