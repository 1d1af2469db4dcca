"""The port plan of a resolved spec, and probing for a base_port whose whole plan is free."""

from __future__ import annotations

import random
import socket
from typing import Any

import pytest
import yaml

from network.spec import DEFAULT_SPEC_PATH, ConsortiumSpec, load_spec, parse_spec
from network.spec.freeports import free_base_port, port_free, spec_on_free_ports
from network.spec.ports import CHAINCODE_PORT_COUNT, planned_ports


class Picks(random.Random):
    """Proposes the given bases in order instead of random ones."""

    def __init__(self, *bases: int) -> None:
        super().__init__()
        self.bases = list(bases)

    def randrange(self, *_: Any, **__: Any) -> int:  # type: ignore[override]
        return self.bases.pop(0)


def default_data() -> dict[str, Any]:
    return yaml.safe_load(DEFAULT_SPEC_PATH.read_text())


def spec_at(base: int) -> ConsortiumSpec:
    return parse_spec({**default_data(), "base_port": base}, "test")


def test_plan_lists_every_listener_and_the_chaincode_range_once() -> None:
    spec = load_spec()
    ports = planned_ports(spec)
    listeners = 3 * len(spec.orderer_nodes()) + 3 * len(spec.peers())
    assert len(ports) == len(set(ports)) == listeners + CHAINCODE_PORT_COUNT
    assert spec.orderer_nodes()[0][1].port in ports and spec.peers()[-1][1].operations_port in ports


def hold_first_free_base(holder: socket.socket, bases: range) -> int:
    """Listens on the first of `bases` that is free now: any fixed port may be taken on a shared CI host."""
    for base in bases:
        try:
            holder.bind(("127.0.0.1", base))  # the first orderer listens on base_port itself
        except OSError:
            continue
        holder.listen()
        return base
    raise AssertionError(f"every base in {bases} is busy on this host")


def test_a_base_whose_plan_has_a_busy_port_is_skipped() -> None:
    # Other networks may run on this machine: the expected answer is the first candidate whose plan is free.
    candidates = [41000, 42000, 43000, 44000, 45000, 46000]
    expected = next(b for b in candidates if all(port_free(p) for p in planned_ports(spec_at(b))))
    with socket.socket() as holder:
        busy_base = hold_first_free_base(holder, range(31000, 40000, 500))
        assert not port_free(busy_base)
        assert free_base_port(default_data(), rng=Picks(busy_base, *candidates)) == expected


def test_no_free_plan_names_base_port() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        base = holder.getsockname()[1]  # the first orderer listens on base_port itself
        assert not port_free(base)
        with pytest.raises(RuntimeError, match="base_port: no free port plan"):
            free_base_port(default_data(), attempts=2, rng=Picks(base, base))


def test_spec_on_free_ports_resolves_at_a_free_base() -> None:
    spec = spec_on_free_ports(default_data(), "test")
    assert 20000 <= spec.base_port < 55000
    assert all(port_free(p) for p in planned_ports(spec))
