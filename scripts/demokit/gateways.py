"""One REST gateway per org (``python -m gateway serve``), set up the way an operator would.

Per org, under ``<netdir>/gateways/<org>/``: an encrypted wallet imported from the org's generated MSP
folders with ``python -m gateway import-identity``, an API key made with ``python -m gateway add-api-key``,
a YAML config (``gateway/service/README.md``), a SQLite operation store, a log and a pid file. The wallet
KEK is one random key file, ``<netdir>/gateways/wallet.kek``, mode 0600, made by ``gateway.wallet.kek``.
The process is started, found and stopped with ``gateway.service.daemon`` (``serve --pid-file``).
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml

from gateway.service import daemon as gwd
from gateway.service.daemon import DaemonError, GatewayDaemon
from gateway.wallet.kek import ENV_KEY_FILE, key_file_source, new_key_file
from gateway.wallet.wallet import Wallet
from network.layout import NetworkLayout
from scripts.demokit.netup import CHAINCODE, DemoError

Progress = Callable[[str], None]
START_TIMEOUT = 60.0


@dataclass(frozen=True)
class OrgGateway:
    """A running gateway for one org and the credentials the demo uses with it."""

    org: str  # config org name, the ``{org}`` of ``/v1/orgs/{org}``
    msp_id: str
    base_url: str
    api_key: str
    identities: tuple[str, ...]  # wallet labels the API key may sign with


def gateways_dir(netdir: Path) -> Path:
    return netdir / "gateways"


def ensure_kek(netdir: Path) -> Path:
    """The wallet KEK file, created once with 0600; an existing one readable by others is refused."""
    path = gateways_dir(netdir) / "wallet.kek"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        new_key_file(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise DemoError(f"{path}: wallet key file has mode {mode:o}; it must be 0600 (chmod 600 it)")
    return path


def child_env(kek: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("GATEWAY_WALLET_PASSWORD", None)
    env[ENV_KEY_FILE] = str(kek)
    return env


def gateway_cli(args: list[str], env: dict[str, str]) -> str:
    """Run ``python -m gateway <args>``; its stdout, or DemoError with its stderr."""
    done = subprocess.run([sys.executable, "-m", "gateway", *args], env=env, capture_output=True, text=True,
                          timeout=120)
    if done.returncode != 0:
        raise DemoError(f"python -m gateway {args[0]} failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


def label(msp_id: str, user: str) -> str:
    return f"{msp_id.removesuffix('MSP').lower()}-{user.lower()}"


def org_users(layout: NetworkLayout, msp_id: str) -> list[str]:
    """The org's non-admin users whose MSP folders exist (User1, and Org2's Treasury once issued)."""
    org = layout.spec.member_org(msp_id)
    return [u.name for u in org.users if u.name != "Admin" and layout.user_msp_dir(msp_id, u.name).is_dir()]


def import_identities(layout: NetworkLayout, msp_id: str, org: str, wallet: Path, env: dict[str, str],
                      kek: Path) -> list[str]:
    have = set(Wallet.open(wallet, key_file_source(kek)).labels()) if wallet.exists() else set()
    labels = []
    for user in org_users(layout, msp_id):
        name = label(msp_id, user)
        if name not in have:
            gateway_cli(["import-identity", "--wallet", str(wallet), "--label", name, "--org", org,
                         "--msp-id", msp_id, "--msp-dir", str(layout.user_msp_dir(msp_id, user))], env)
        labels.append(name)
    return labels


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_config(layout: NetworkLayout, msp_id: str, org: str, folder: Path) -> Path:
    spec_org = layout.spec.member_org(msp_id)
    peer = spec_org.peers[0]
    config = {
        "orgs": {org: {"msp_id": msp_id, "channel": layout.spec.channels[0].name, "chaincode": CHAINCODE,
                       "peer": {"address": f"127.0.0.1:{peer.port}", "tls_ca": str(layout.tlsca_cert(msp_id)),
                                "server_name": f"{peer.name}.{spec_org.domain}"}}},
        "store_url": f"sqlite:///{folder / 'store.db'}",
        "wallet": str(folder / "wallet.json"),
        "api_keys": str(folder / "api-keys.json"),
        "commit_timeout": 60,
    }
    path = folder / "gateway.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def gateway_daemon(folder: Path, config: Path, port: int) -> GatewayDaemon:
    return GatewayDaemon(config, port, folder / "gateway.pid", folder / "gateway.log")


def wait_ready(daemon: GatewayDaemon) -> None:
    """Until ``/readyz`` answers 200 (the org's peer is reachable), or DemoError with the log tail."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if gwd.running_pid(daemon.pid_file) is None:
            raise DemoError(f"gateway {daemon.pid_file.parent.name} exited during start-up; "
                            f"log {daemon.log_file}:\n{gwd.log_tail(daemon)}")
        try:
            if httpx.get(f"{daemon.base_url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise DemoError(f"gateway {daemon.pid_file.parent.name} not ready after {START_TIMEOUT:.0f}s "
                    f"(log {daemon.log_file})")


def launch_gateway(layout: NetworkLayout, msp_id: str, kek: Path,
                   progress: Progress) -> tuple[OrgGateway, GatewayDaemon]:
    """Wallet, API key and config for one org, then its process started (not yet waited for)."""
    org = layout.spec.member_org(msp_id).name
    folder = gateways_dir(layout.root) / org.lower()
    folder.mkdir(parents=True, exist_ok=True)
    env = child_env(kek)
    stop_gateway(folder, progress)  # a re-run starts it afresh on a new port
    labels = import_identities(layout, msp_id, org, folder / "wallet.json", env, kek)
    key_args = ["add-api-key", "--keys-file", str(folder / "api-keys.json"), "--org", org,
                "--role", "read", "--role", "submit", "--role", "events"]
    for name in labels:
        key_args += ["--identity", name]
    api_key = json.loads(gateway_cli(key_args, env).splitlines()[0])["api_key"]
    config = write_config(layout, msp_id, org, folder)
    port = free_port()
    daemon = gateway_daemon(folder, config, port)
    try:
        gwd.start(daemon, env)
    except DaemonError as exc:
        raise DemoError(f"gateway {org}: {exc}") from exc
    progress(f"gateway {org}: starting on 127.0.0.1:{port} (identities {', '.join(labels)})")
    return OrgGateway(org, msp_id, daemon.base_url, api_key, tuple(labels)), daemon


def start_gateways(layout: NetworkLayout, progress: Progress) -> dict[str, OrgGateway]:
    """One gateway per member org; all start together, then each must answer ``/readyz``."""
    kek = ensure_kek(layout.root)
    launched = [launch_gateway(layout, org.msp_id, kek, progress) for org in layout.spec.member_orgs]
    for gateway, daemon in launched:
        wait_ready(daemon)
        progress(f"gateway {gateway.org}: ready at {gateway.base_url} (log {daemon.log_file})")
    return {gateway.msp_id: gateway for gateway, _ in launched}


def stop_gateway(folder: Path, progress: Progress) -> None:
    if gwd.stop(folder / "gateway.pid"):
        progress(f"gateway {folder.name}: stopped")


def stop_gateways(netdir: Path, progress: Progress) -> None:
    root = gateways_dir(netdir)
    if root.is_dir():
        for folder in sorted(p for p in root.iterdir() if p.is_dir()):
            stop_gateway(folder, progress)


def save_credentials(netdir: Path, gateways: dict[str, OrgGateway]) -> Path:
    """URLs and API keys of this run, 0600, so the operator can try the API after the demo."""
    path = gateways_dir(netdir) / "credentials.json"
    data = {g.org: {"url": g.base_url, "api_key": g.api_key, "identities": list(g.identities)}
            for g in gateways.values()}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(data, out, indent=2)
    return path
