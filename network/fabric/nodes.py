"""The official-binary node processes of a network and their generated config folders.

Files per node (shared with devnet where the meaning is the same, so ``reset`` and log locations match):
``<netdir>/fabric/config/<host>/{core.yaml|orderer.yaml}`` (``FABRIC_CFG_PATH`` of the node),
``<netdir>/data/<host>/`` (ledgers), ``<netdir>/logs/<host>.log``, ``<netdir>/run/<host>.pid``.
Pid files use devnet's format (:mod:`network.devnet.node.processes`), so a stale one is never signalled.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from network.devnet.node import paths
from network.devnet.node.processes import NodeProcess
from network.fabric.orderer_config import orderer_node_config
from network.fabric.peer_config import BUILDER_DIR, peer_core_config
from network.fabric.release import DEFAULT_LINE
from network.layout import NetworkLayout

FABRIC_DIR = "fabric"
LOG_SPEC = "info"


def fabric_root(netdir: Path) -> Path:
    return netdir / FABRIC_DIR


def config_dir(netdir: Path, host: str) -> Path:
    return fabric_root(netdir) / "config" / host


@dataclass(frozen=True)
class FabricNode:
    """A node process plus the environment its binary needs."""

    process: NodeProcess
    config_dir: Path
    org: str  # MSP ID
    name: str  # short node name (peer0, orderer1)

    @property
    def host(self) -> str:
        return self.process.host

    @property
    def kind(self) -> str:
        return self.process.kind

    def env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ if base is None else base)
        env["FABRIC_CFG_PATH"] = str(self.config_dir)
        env.setdefault("FABRIC_LOGGING_SPEC", LOG_SPEC)
        return env


def _node(
    netdir: Path, kind: str, org_msp_id: str, host: str, name: str, argv: tuple[str, ...], port: int, operations: int
) -> FabricNode:
    """A node with devnet's pid and log files (``network.devnet.node.paths``), so ``down`` works on either."""
    process = NodeProcess(kind, host, org_msp_id, argv, port, operations, paths.pid_file(netdir, host),
                          paths.log_file(netdir, host))  # fmt: skip
    return FabricNode(process, config_dir(netdir, host), org_msp_id, name)


def orderer_nodes(layout: NetworkLayout, orderer_bin: Path) -> list[FabricNode]:
    return [
        _node(layout.root, "orderer", org.msp_id, f"{node.name}.{org.domain}", node.name, (str(orderer_bin),),
              node.port or 0, node.operations_port or 0)  # fmt: skip
        for org, node in layout.spec.orderer_nodes()
    ]


def peer_nodes(layout: NetworkLayout, peer_bin: Path) -> list[FabricNode]:
    return [
        _node(layout.root, "peer", org.msp_id, f"{peer.name}.{org.domain}", peer.name,
              (str(peer_bin), "node", "start"), peer.port or 0, peer.operations_port or 0)  # fmt: skip
        for org, peer in layout.spec.peers()
    ]


def node_config_document(
    layout: NetworkLayout, node: FabricNode, line: tuple[int, int] = DEFAULT_LINE
) -> tuple[str, dict[str, Any]]:
    """(file name, document) of the node's generated config for Fabric release ``line``."""
    data = paths.data_dir(layout.root.resolve(), node.host)
    if node.kind == "orderer":
        return "orderer.yaml", orderer_node_config(layout, node.name, data)
    return "core.yaml", peer_core_config(layout, node.org, node.name, data, BUILDER_DIR, line)


def write_node_config(layout: NetworkLayout, node: FabricNode, line: tuple[int, int] = DEFAULT_LINE) -> Path:
    """(Re)write the node's config file; atomic, so a node never reads half a file."""
    name, document = node_config_document(layout, node, line)
    node.config_dir.mkdir(parents=True, exist_ok=True)
    target = node.config_dir / name
    tmp = target.with_suffix(".tmp")
    tmp.write_text(yaml.safe_dump(document, sort_keys=False))
    os.replace(tmp, target)
    return target


def start(node: FabricNode) -> int:
    """Spawn the binary detached, appending to its log; pid file in devnet's format, written atomically."""
    proc = node.process
    proc.log_file.parent.mkdir(parents=True, exist_ok=True)
    proc.pid_file.parent.mkdir(parents=True, exist_ok=True)
    with proc.log_file.open("ab") as log:
        child = subprocess.Popen(
            list(proc.argv), env=node.env(), stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            start_new_session=True, close_fds=True, cwd=str(node.config_dir),
        )  # fmt: skip
    tmp = proc.pid_file.with_suffix(".tmp")
    tmp.write_text(json.dumps({"pid": child.pid, "argv": list(proc.argv)}))
    os.replace(tmp, proc.pid_file)
    return child.pid
