"""Where a running node keeps its ledger, log and pid file inside a network directory.

``<netdir>/data/<host>/``, ``<netdir>/logs/<host>.log``, ``<netdir>/run/<host>.pid``. ``consortium reset``
deletes ``data/`` only, so crypto material and channel artifacts survive.
"""

from __future__ import annotations

from pathlib import Path


def data_root(netdir: Path) -> Path:
    return netdir / "data"


def data_dir(netdir: Path, host: str) -> Path:
    return data_root(netdir) / host


def log_dir(netdir: Path) -> Path:
    return netdir / "logs"


def log_file(netdir: Path, host: str) -> Path:
    return log_dir(netdir) / f"{host}.log"


def run_dir(netdir: Path) -> Path:
    return netdir / "run"


def pid_file(netdir: Path, host: str) -> Path:
    return run_dir(netdir) / f"{host}.pid"
