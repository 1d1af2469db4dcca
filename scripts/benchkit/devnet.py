"""Bring a benchmark devnet up, deploy chaincodes, and always take it down again.

Uses the devnet library exactly as ``consortium up`` / ``consortium deploy`` do. Tear-down runs on normal
exit, on errors, on Ctrl-C and on SIGTERM (handled as Ctrl-C, so ``finally`` blocks run).
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from network.devnet import deploy
from network.devnet.node import processes, supervisor
from network.layout import NetworkLayout
from scripts.benchkit.network import CHANNEL, REPO, generate_network

Progress = Callable[[str], None]


@dataclass
class BenchNet:
    layout: NetworkLayout
    channel: str = CHANNEL
    chaincodes: dict[str, str] = field(default_factory=dict)  # name -> python module serving it

    def peer_pids(self) -> dict[str, int]:
        """host -> pid of every running node and chaincode server (for profilers)."""
        nodes = supervisor.network_nodes(self.layout)
        nodes += [deploy.chaincode_process(self.layout, n, m) for n, m in self.chaincodes.items()]
        out = {}
        for node in nodes:
            pid = processes.running_pid(node)
            if pid is not None:
                out[node.host] = pid
        return out


def _as_ctrl_c(_signum: int, _frame: FrameType | None) -> None:
    """SIGTERM is handled like Ctrl-C: ``asyncio.run`` then cancels the running benchmark cleanly (an
    exception raised straight from a signal handler can land inside a gRPC callback and get lost)."""
    signal.raise_signal(signal.SIGINT)


def _child_pythonpath() -> None:
    """Chaincode servers of ``scripts.benchkit`` run as ``python -m scripts.benchkit...``: make the repo
    importable for the children (``processes.start`` passes our environment on)."""
    current = os.environ.get("PYTHONPATH", "")
    if str(REPO) not in current.split(os.pathsep):
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), current) if p)


@contextmanager
def running_devnet(orgs: int, batch_size: int, batch_timeout_ms: int, chaincodes: dict[str, str],
                   progress: Progress, keep: bool = False) -> Iterator[BenchNet]:
    """Generate a network in a temp dir on free ports, start it, deploy ``chaincodes`` (name -> module)."""
    previous = signal.signal(signal.SIGTERM, _as_ctrl_c)
    _child_pythonpath()
    root = Path(tempfile.mkdtemp(prefix="bench-devnet-"))
    net = BenchNet(generate_network(root / "net", orgs, batch_size, batch_timeout_ms))
    try:
        progress(f"devnet: {orgs} orgs in {net.layout.root}, base port {net.layout.spec.base_port}")
        supervisor.up(net.layout.root, timeout=120, progress=lambda _: None)
        for name, module in chaincodes.items():
            net.chaincodes[name] = module
            result = deploy.deploy(net.layout, name, module=module)
            progress(f"deployed {name} ({module}) sequence {result.sequence}")
        yield net
    finally:
        progress("tearing down devnet")
        for name, module in net.chaincodes.items():
            processes.stop(deploy.chaincode_process(net.layout, name, module))
        supervisor.down(net.layout.root)
        signal.signal(signal.SIGTERM, previous)
        if keep or sys.exc_info()[0] not in (None, GeneratorExit):
            progress(f"devnet files (logs) kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
