"""gRPC core settings for devnet's node processes, handed to them through their environment.

grpcio 1.85 routes every client and server connection through its new EventEngine by default. On these
2-core hosts the older polling path costs less CPU per call: the cost floor of one transaction's Fabric
traffic (``scripts/bench_floor.py``) drops from 3.6-3.8 to 3.1-3.2 ms, and devnet's put benchmark by about
4 %. ``GRPC_EXPERIMENTS`` is gRPC's own switch for that choice; it is read once, when gRPC starts, so it
must be in a process's environment before ``grpc`` is imported. An operator's own value wins.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

NODE_GRPC_ENV = {"GRPC_EXPERIMENTS": "-event_engine_client,-event_engine_listener"}


def node_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) with the node gRPC settings it does not set itself."""
    env = dict(os.environ if base is None else base)
    for name, value in NODE_GRPC_ENV.items():
        env.setdefault(name, value)
    return env
