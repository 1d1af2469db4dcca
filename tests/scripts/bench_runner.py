"""Run a benchmark script as a user would (its own process) and load the one result file it wrote."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def run_benchmark(script: str, out_dir: Path, *args: str, timeout: float = 240) -> tuple[dict[str, Any], str]:
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / script), "--out-dir", str(out_dir), *args],
                          capture_output=True, text=True, timeout=timeout, cwd=str(out_dir))
    assert proc.returncode == 0, f"{script} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    files = list(out_dir.glob(f"{Path(script).stem}-*.json"))
    assert len(files) == 1, f"expected one result file in {out_dir}, found {files}"
    return json.loads(files[0].read_text()), proc.stdout
