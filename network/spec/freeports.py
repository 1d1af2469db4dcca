"""A ``base_port`` whose whole port plan is free right now, so networks (tests, benchmarks, demos) can run side by
side on one machine. The OS cannot reserve a plan of ports at once, so random bases are probed until every planned
port binds; a race with another process remains possible and shows up as a bind error at start-up.
"""

from __future__ import annotations

import random
import socket
from collections.abc import Mapping
from typing import Any

from network.spec.load import parse_spec
from network.spec.models import ConsortiumSpec
from network.spec.ports import planned_ports


def port_free(port: int) -> bool:
    """Whether ``127.0.0.1:port`` can be bound at this moment."""
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_base_port(
    data: Mapping[str, Any],
    *,
    attempts: int = 50,
    low: int = 20000,
    high: int = 55000,
    rng: random.Random | None = None,
) -> int:
    """A ``base_port`` at which every port the spec ``data`` (a mapping, as read from YAML) plans is free."""
    pick = rng or random.Random()
    for _ in range(attempts):
        base = pick.randrange(low, high, 10)
        spec = parse_spec({**data, "base_port": base}, "<free port probe>")
        if all(port_free(p) for p in planned_ports(spec)):
            return base
    raise RuntimeError(f"base_port: no free port plan found in {attempts} attempts between {low} and {high}")


def spec_on_free_ports(data: Mapping[str, Any], source: str | None = None) -> ConsortiumSpec:
    """``data`` resolved at a ``base_port`` whose planned ports are all free."""
    return parse_spec({**data, "base_port": free_base_port(data)}, source)
