"""CPU seconds each benchmark process used (``/proc/<pid>/stat`` utime + stime), to state cost per transaction.

Wall-clock throughput on a shared 2-core box moves with the neighbours' load; CPU time per committed
transaction and per process does much less, and shows which process would have to get cheaper.
"""

from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a live process (threads included); None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime: fields 14 and 15 of proc(5)


def snapshot(pids: dict[str, int]) -> dict[str, float]:
    return {name: s for name, pid in pids.items() if (s := cpu_seconds(pid)) is not None}


def per_transaction_ms(before: dict[str, float], after: dict[str, float], transactions: int) -> dict[str, float]:
    """Process name -> CPU milliseconds per transaction between two snapshots (plus ``total``)."""
    if transactions <= 0:
        return {}
    used = {name: after[name] - before[name] for name in before if name in after}
    out = {name: round(1000 * seconds / transactions, 2) for name, seconds in sorted(used.items())}
    out["total"] = round(1000 * sum(used.values()) / transactions, 2)
    return out
