"""Sampling profiles of every benchmark process with py-spy (not a project dependency: install it ad hoc
with ``.venv/bin/pip install py-spy``), summarised as the top functions by own and by inclusive samples.

py-spy samples other processes from outside (ptrace), so the devnet nodes run unmodified. Samples are of
non-idle threads only: a function's share of samples is its share of the process's busy time.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from scripts.benchkit.network import REPO


def py_spy() -> str:
    """Path of the py-spy executable (next to the interpreter, or on PATH)."""
    beside = Path(sys.executable).parent / "py-spy"
    found = str(beside) if beside.is_file() else shutil.which("py-spy")
    if not found:
        raise RuntimeError("--profile needs py-spy: .venv/bin/pip install py-spy (ad hoc, it is not pinned)")
    return found


def start(pids: dict[str, int], out_dir: Path, seconds: float, rate: int = 50) -> dict[str, subprocess.Popen[bytes]]:
    """One ``py-spy record --format raw`` per process, each writing ``<out_dir>/<name>.folded``."""
    exe = py_spy()
    out_dir.mkdir(parents=True, exist_ok=True)
    recorders = {}
    for name, pid in pids.items():
        argv = [exe, "record", "--pid", str(pid), "--format", "raw", "--rate", str(rate), "--nonblocking",
                "--full-filenames", "--duration", str(max(1, round(seconds))),
                "--output", str(out_dir / f"{name}.folded")]
        recorders[name] = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return recorders


def finish(recorders: dict[str, subprocess.Popen[bytes]], timeout: float = 60.0) -> dict[str, str]:
    """Wait for every recorder; name -> error text for those that failed."""
    errors = {}
    for name, proc in recorders.items():
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        if proc.returncode != 0:
            errors[name] = err.decode(errors="replace").strip()[-300:]
    return errors


def split_frame(frame: str) -> tuple[str, str]:
    """``func (path/to/module.py:123)`` -> (``func``, ``path/to/module.py``)."""
    func, _, where = frame.partition(" (")
    return func, where.rstrip(")").rsplit(":", 1)[0]


def frame_name(func: str, path: str) -> str:
    """Lines merged, paths shortened to their last two parts: ``func (to/module.py)``."""
    return f"{func} ({'/'.join(Path(path).parts[-2:]) if path else '?'})"


def is_project(path: str) -> bool:
    """A frame of this repository's code (not the interpreter's library nor an installed package)."""
    return path.startswith(str(REPO)) and "/.venv/" not in path


def hotspots(folded: Path, top: int = 12) -> dict[str, Any]:
    """Top functions of one folded-stacks file by three measures:
    ``own`` (leaf frame), ``project`` (deepest frame of this repository: where in OUR code the time is
    spent, library calls included) and ``inclusive`` (any frame of this repository on the stack)."""
    own: Counter[str] = Counter()
    project: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in folded.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [split_frame(f) for f in stack.split(";") if " (" in f]
        if not frames:
            continue
        total += count
        own[frame_name(*frames[-1])] += count
        ours = [frame_name(*f) for f in frames if is_project(f[1])]
        project[ours[-1] if ours else "(outside project code)"] += count
        for name in set(ours):
            inclusive[name] += count

    def share(counter: Counter[str]) -> list[dict[str, Any]]:
        return [{"function": k, "samples": v, "pct": round(100 * v / total, 1)} for k, v in counter.most_common(top)]

    return {"samples": total, "own": share(own), "project": share(project), "inclusive": share(inclusive)}


def summarise(out_dir: Path, names: list[str], top: int = 12) -> dict[str, Any]:
    return {name: hotspots(out_dir / f"{name}.folded", top) for name in names if (out_dir / f"{name}.folded").is_file()}


def render(summary: dict[str, Any], top: int = 8) -> str:
    """Human-readable top own-time functions per process."""
    lines = []
    for name, spots in summary.items():
        lines.append(f"== {name}: {spots['samples']} busy samples; deepest project frame | leaf frame")
        pairs = zip(spots["project"][:top], spots["own"][:top], strict=False)
        for p, o in pairs:
            lines.append(f"  {p['pct']:5.1f}% {p['function'][:58]:58} | {o['pct']:5.1f}% {o['function'][:50]}")
    return "\n".join(lines)


def record_into(profile: dict[str, Any], recorders: dict[str, subprocess.Popen[bytes]], out_dir: Path,
                level: str) -> None:
    """Finish ``recorders`` and store their errors, hotspots and the profiled level in a result's ``profile``."""
    profile["errors"] = finish(recorders)
    profile["hotspots"] = summarise(out_dir, list(recorders))
    profile["level"] = level
