"""Crash points for crash-safety tests: ``GATEWAY_FAILPOINT=<name>`` makes the process SIGKILL itself there.

Read once at import; unset in production, where :func:`hit` is a dictionary lookup that does nothing. Names:
``after-store`` (envelope stored as PREPARED, not sent) and ``after-submit`` (sent, SUBMITTED not recorded).
"""

from __future__ import annotations

import os
import signal

ACTIVE = frozenset(filter(None, os.environ.get("GATEWAY_FAILPOINT", "").split(",")))


def hit(name: str) -> None:
    if name in ACTIVE:
        os.kill(os.getpid(), signal.SIGKILL)
