"""Chaincode-as-a-service: packages holding ``connection.json``, and the chaincode servers we supervise.

A CCaaS package is a gzip'd tar with ``metadata.json`` (``type: ccaas``) and ``code.tar.gz`` holding
``connection.json`` (``core/chaincode/persistence/chaincode_package.go``; builder contract in
``core/container/externalbuilder``). Its package ID is ``label:hex(sha256(package bytes))``, so the archive
is built deterministically (fixed mtimes, owners and order): every org installing "the same" package gets the
same ID, which ``approveformyorg`` must name. The peer dials the server at ``connection.json``'s ``address``;
the server (``python -m chaincode``) is started by us with ``CHAINCODE_ID`` = that package ID.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import socket
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from network.devnet.node import paths, processes
from network.devnet.node.processes import NodeProcess
from network.layout import NetworkLayout

Progress = Callable[[str], None]
SERVER_PREFIX = "chaincode-"
LABEL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")  # persistence.LabelRegexp
DEFAULT_SERVER_MODULE = "chaincode"


@dataclass(frozen=True)
class CcaasPackage:
    label: str
    data: bytes

    @property
    def package_id(self) -> str:
        """``label:sha256`` over the whole package file (``persistence.PackageID``)."""
        return f"{self.label}:{hashlib.sha256(self.data).hexdigest()}"


def _tar_member(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    tar.addfile(info, io.BytesIO(data))


def _targz(members: list[tuple[str, bytes]]) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in members:
            _tar_member(tar, name, data)
    return gzip.compress(raw.getvalue(), mtime=0)


def connection_json(address: str, dial_timeout: str = "10s") -> bytes:
    """``ChaincodeServerUserData``: plain gRPC to our server on loopback (``tls_required`` false)."""
    doc = {"address": address, "dial_timeout": dial_timeout, "tls_required": False}
    return json.dumps(doc, sort_keys=True).encode()


def build_package(label: str, address: str) -> CcaasPackage:
    """A deterministic CCaaS package for a server listening at ``address`` (``host:port``)."""
    if not LABEL_RE.match(label):
        raise ValueError(f"label: {label!r} must match {LABEL_RE.pattern} (Fabric's package label rule)")
    code = _targz([("connection.json", connection_json(address))])
    metadata = json.dumps({"type": "ccaas", "label": label, "path": ""}, sort_keys=True).encode()
    return CcaasPackage(label, _targz([("metadata.json", metadata), ("code.tar.gz", code)]))


def read_package_metadata(data: bytes) -> dict[str, object]:
    """``metadata.json`` of a package file (used by tests and to check a package before installing)."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        member = tar.extractfile("metadata.json")
        if member is None:
            raise ValueError("package: metadata.json missing")
        result: dict[str, object] = json.loads(member.read())
        return result


def server_process(layout: NetworkLayout, name: str, argv: tuple[str, ...] = (), port: int = 0) -> NodeProcess:
    host = f"{SERVER_PREFIX}{name}"
    return NodeProcess("chaincode", host, "", argv, port, 0, paths.pid_file(layout.root, host),
                       paths.log_file(layout.root, host))  # fmt: skip


def server_argv(name: str, module: str = DEFAULT_SERVER_MODULE) -> tuple[str, ...]:
    """The argv identifies the server in its pid file; the chaincode name keeps two servers apart."""
    return (sys.executable, "-m", module, "--chaincode-name", name)


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def start_server(
    layout: NetworkLayout,
    name: str,
    package_id: str,
    port: int,
    module: str = DEFAULT_SERVER_MODULE,
    timeout: float = 30.0,
) -> int:
    """Start (or keep) the chaincode server for ``package_id``; returns its pid once it listens."""
    process = server_process(layout, name, server_argv(name, module), port)
    record = processes.read_pid_file(process.pid_file)
    running = processes.running_pid(process)
    if running is not None and record is not None and _recorded_package(layout, name) == package_id:
        return running
    if running is not None:
        processes.stop(process)
    process.pid_file.unlink(missing_ok=True)
    process.log_file.parent.mkdir(parents=True, exist_ok=True)
    process.pid_file.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "CHAINCODE_ID": package_id, "CHAINCODE_SERVER_ADDRESS": f"127.0.0.1:{port}"}
    with process.log_file.open("ab") as log:
        child = subprocess.Popen(list(process.argv), env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                 start_new_session=True, close_fds=True)  # fmt: skip
    tmp = process.pid_file.with_suffix(".tmp")
    tmp.write_text(json.dumps({"pid": child.pid, "argv": list(process.argv), "package_id": package_id}))
    os.replace(tmp, process.pid_file)
    deadline = time.monotonic() + timeout
    while not _port_open(port):
        if child.poll() is not None:
            raise RuntimeError(f"chaincode server {name} exited with {child.returncode}; see {process.log_file}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"chaincode server {name} not listening on {port} after {timeout:.0f}s")
        time.sleep(0.2)
    return child.pid


def _recorded_package(layout: NetworkLayout, name: str) -> str | None:
    try:
        data = json.loads(server_process(layout, name).pid_file.read_text())
    except (OSError, ValueError):
        return None
    value = data.get("package_id")
    return str(value) if value else None


def stop_servers(layout: NetworkLayout, progress: Progress) -> None:
    run = paths.run_dir(layout.root)
    for pid_file in sorted(run.glob(f"{SERVER_PREFIX}*.pid")) if run.is_dir() else []:
        record = processes.read_pid_file(pid_file)
        name = pid_file.stem[len(SERVER_PREFIX) :]
        process = server_process(layout, name, tuple(record[1]) if record else ())
        progress(f"{process.host}: {'stopped' if processes.stop(process) else 'not running'}")


def registry_path(layout: NetworkLayout) -> Path:
    return layout.root / "fabric" / "chaincodes.json"


def record_server(layout: NetworkLayout, name: str, package_id: str, port: int, module: str) -> None:
    """Remember what serves ``name`` so ``up`` can bring it back after ``down`` or a crash."""
    path = registry_path(layout)
    servers: dict[str, Any] = json.loads(path.read_text()) if path.is_file() else {}
    servers[name] = {"package_id": package_id, "port": port, "module": module}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(servers, indent=2, sort_keys=True))
    os.replace(tmp, path)


def restart_recorded_servers(layout: NetworkLayout, progress: Progress) -> None:
    """Start every recorded chaincode server that is not running (``start_server`` keeps live ones)."""
    path = registry_path(layout)
    servers: dict[str, Any] = json.loads(path.read_text()) if path.is_file() else {}
    for name, entry in sorted(servers.items()):
        pid = start_server(layout, name, entry["package_id"], int(entry["port"]), entry["module"])
        progress(f"{SERVER_PREFIX}{name}: serving {entry['package_id']} (pid {pid})")
