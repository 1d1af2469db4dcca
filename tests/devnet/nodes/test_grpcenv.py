"""Node processes get devnet's gRPC core settings through their environment, unless the operator set them."""

from __future__ import annotations

import subprocess
import sys

from network.devnet.node.grpcenv import NODE_GRPC_ENV, node_environment


def test_settings_are_added_to_the_environment_given() -> None:
    env = node_environment({"PATH": "/bin"})
    assert env["PATH"] == "/bin"
    assert env["GRPC_EXPERIMENTS"] == NODE_GRPC_ENV["GRPC_EXPERIMENTS"]


def test_an_operator_value_wins() -> None:
    assert node_environment({"GRPC_EXPERIMENTS": "-event_engine_dns"})["GRPC_EXPERIMENTS"] == "-event_engine_dns"


def test_grpc_starts_with_the_settings() -> None:
    """gRPC accepts the experiment names (an unknown name would be logged as an error at start-up)."""
    probe = "import grpc, asyncio\nasync def m():\n    s = grpc.aio.server(); s.add_insecure_port('127.0.0.1:0')\n" \
            "    await s.start(); await s.stop(0)\nasyncio.run(m())\n"
    out = subprocess.run([sys.executable, "-c", probe], env=node_environment(), capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0 and "experiment" not in out.stderr.lower(), out.stderr
