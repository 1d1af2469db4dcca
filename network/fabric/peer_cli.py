"""Running the official ``peer`` CLI as an org's admin (channel join, lifecycle).

The CLI reads ``core.yaml`` from ``FABRIC_CFG_PATH`` (we point it at the target peer's generated config) and
takes the identity and target from ``CORE_PEER_*`` variables (``internal/peer/common/common.go``).
The CLI is either a host binary (a ``Path``) or the one inside a running peer container
(:class:`ContainerPeer`, docker compose back end): the network folder is mounted at its host path and the
containers share the host network, so the same environment and file arguments work in both.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from network.fabric.nodes import config_dir
from network.layout import NetworkLayout

TIMEOUT = 120.0
PASSED_ENV_PREFIXES = ("CORE_", "FABRIC_")


@dataclass(frozen=True)
class ContainerPeer:
    """The ``peer`` CLI of a running container, run with ``docker exec`` (as the container's user).

    Only ``CORE_*``/``FABRIC_*`` variables are passed in: they are all the CLI reads (viper's ``CORE`` prefix,
    ``FABRIC_CFG_PATH``, ``FABRIC_LOGGING_SPEC``); the rest of the host environment means nothing inside.
    """

    container: str
    docker: str = "docker"

    def argv(self, args: Sequence[str], env: Mapping[str, str]) -> list[str]:
        passed = [item for key in sorted(env) if key.startswith(PASSED_ENV_PREFIXES)
                  for item in ("--env", f"{key}={env[key]}")]  # fmt: skip
        return [self.docker, "exec", *passed, self.container, "peer", *args]


PeerBin = Path | ContainerPeer


def peer_argv(peer_bin: PeerBin, args: Sequence[str], env: Mapping[str, str]) -> list[str]:
    if isinstance(peer_bin, ContainerPeer):
        return peer_bin.argv(args, env)
    return [str(peer_bin), *args]


class PeerCommandError(RuntimeError):
    """A ``peer`` CLI invocation failed; the message carries its output."""


def admin_env(layout: NetworkLayout, org: str, peer: str) -> dict[str, str]:
    """Environment for acting as ``Admin`` of ``org`` against ``peer`` of that org, over TLS."""
    spec_org = layout.spec.member_org(org)
    node = next((p for p in spec_org.peers if p.name == peer), None)
    if node is None:
        raise KeyError(f"peer: no peer {peer!r} in org {spec_org.msp_id}")
    host = f"{node.name}.{spec_org.domain}"
    env = dict(os.environ)
    env.update(
        FABRIC_CFG_PATH=str(config_dir(layout.root, host)),
        FABRIC_LOGGING_SPEC="warning",
        CORE_PEER_LOCALMSPID=spec_org.msp_id,
        CORE_PEER_MSPCONFIGPATH=str(layout.admin_msp_dir(spec_org.msp_id)),
        CORE_PEER_ADDRESS=f"127.0.0.1:{node.port}",
        CORE_PEER_TLS_ENABLED="true",
        CORE_PEER_TLS_ROOTCERT_FILE=str(layout.tlsca_cert(spec_org.msp_id)),
    )
    return env


def run_peer(peer_bin: PeerBin, args: Sequence[str], env: dict[str, str], timeout: float = TIMEOUT) -> str:
    argv = peer_argv(peer_bin, args, env)
    run = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if run.returncode != 0:
        output = (run.stderr.strip() or run.stdout.strip())[-2000:]
        raise PeerCommandError(f"peer {' '.join(args[:3])} failed (exit {run.returncode}): {output}")
    return run.stdout + run.stderr


def joined_channels(peer_bin: PeerBin, layout: NetworkLayout, org: str, peer: str) -> list[str]:
    """Channels the peer has joined (``peer channel list``)."""
    output = run_peer(peer_bin, ["channel", "list"], admin_env(layout, org, peer))
    lines = output.splitlines()
    marker = next((i for i, line in enumerate(lines) if "Channels peers has joined" in line), None)
    if marker is None:
        return []
    return [line.strip() for line in lines[marker + 1 :] if line.strip()]


def join_channel(peer_bin: PeerBin, layout: NetworkLayout, org: str, peer: str, block: Path) -> None:
    """``peer channel join -b <genesis block>`` as the org admin (cscc JoinChain needs a local admin)."""
    run_peer(peer_bin, ["channel", "join", "-b", str(block)], admin_env(layout, org, peer))


def channel_height(peer_bin: PeerBin, layout: NetworkLayout, org: str, peer: str, channel: str) -> int:
    """Ledger height of ``channel`` on the peer (``peer channel getinfo``: ``Blockchain info: {json}``)."""
    output = run_peer(peer_bin, ["channel", "getinfo", "-c", channel], admin_env(layout, org, peer))
    _, _, body = output.partition("Blockchain info:")
    return int(json.loads(body.strip().splitlines()[0])["height"])


def committed_chaincodes(peer_bin: PeerBin, layout: NetworkLayout, org: str, peer: str, channel: str) -> dict[str, Any]:
    """``{name: {"version", "sequence"}}`` of every chaincode definition committed on ``channel``."""
    args = ["lifecycle", "chaincode", "querycommitted", "-C", channel, "-O", "json"]
    doc = json.loads(run_peer(peer_bin, args, admin_env(layout, org, peer)) or "{}")
    return {d["name"]: {"version": d["version"], "sequence": d["sequence"]}
            for d in doc.get("chaincode_definitions") or []}  # fmt: skip
