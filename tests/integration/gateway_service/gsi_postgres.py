"""A PostgreSQL server of our own for the gateway's store: Debian's binaries, a temp directory, 127.0.0.1 and
a free port, trust authentication, stopped (``-m immediate``) and deleted afterwards.

PostgreSQL will not run as root; as root the server runs as the ``postgres`` account the Debian package
creates. Missing binaries skip the test with the reason (never a silent pass).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from gsi_gateway import free_port


def postgres_bin() -> Path | None:
    initdbs = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(initdbs[-1]).parent if initdbs else None


def _as_server_user() -> list[str]:
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("running as root without a 'postgres' account to run PostgreSQL as")
    return ["runuser", "-u", "postgres", "--"]


@contextmanager
def postgres(database: str = "gateway") -> Iterator[str]:
    """Yield a ``postgresql://`` URL of a fresh, empty database."""
    bindir = postgres_bin()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not installed (/usr/lib/postgresql/*/bin)")
    run_as = _as_server_user()
    home = Path(tempfile.mkdtemp(prefix="gsi-pg-"))
    if run_as:
        account = pwd.getpwnam("postgres")
        os.chown(home, account.pw_uid, account.pw_gid)
    data, port = home / "data", free_port()
    started = False
    try:
        subprocess.run([*run_as, str(bindir / "initdb"), "-D", str(data), "-U", "gsi", "--auth=trust", "-E", "UTF8"],
                       check=True, capture_output=True)  # fmt: skip
        options = f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={home} -c fsync=off"
        subprocess.run([*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(home / "server.log"), "-w",
                        "start", "-o", options], check=True, capture_output=True)  # fmt: skip
        started = True
        subprocess.run([*run_as, str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "gsi", database],
                       check=True, capture_output=True)  # fmt: skip
        yield f"postgresql://gsi@127.0.0.1:{port}/{database}"
    finally:
        if started:
            subprocess.run([*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                           capture_output=True)  # fmt: skip
        shutil.rmtree(home, ignore_errors=True)
