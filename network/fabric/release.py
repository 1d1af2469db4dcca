"""Which Fabric release line the installed binaries belong to, and what differs between v2.5 and v3.x.

Differences that matter to us (each verified against v2.5.16 and v3.1.5 binaries):

- peer auth filters: ``TimeWindowCheck`` exists only in v3 (a v2.5 peer panics at start-up with
  "Method TimeWindowCheck isn't a method of HandlerLibrary", ``core/handlers/library/registry.go``);
- channel config: v2.5 knows no ``V3_0`` channel capability and requires the global ``OrdererAddresses``
  value (its orderer refuses our genesis block: "Must set some OrdererAddresses"); see
  :data:`network.configtx.channel.FABRIC_V2_5` and :mod:`network.fabric.genesis`.

The line comes from ``peer version`` (``Version: v2.5.16``); ``CONSORTIUM_FABRIC_VERSION`` overrides it
(useful for development builds, which report ``latest``). Unknown versions are treated as v3.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from network.fabric.binaries import binary_version

VERSION_ENV = "CONSORTIUM_FABRIC_VERSION"
DEFAULT_LINE = (3, 1)
_VERSION_RE = re.compile(r"^v?(\d+)\.(\d+)")


def parse_line(text: str) -> tuple[int, int] | None:
    match = _VERSION_RE.match(text.strip())
    return (int(match.group(1)), int(match.group(2))) if match else None


def release_line(peer_bin: Path | None, env: Mapping[str, str] | None = None) -> tuple[int, int]:
    """(major, minor) of the installed Fabric, e.g. ``(2, 5)``."""
    env = os.environ if env is None else env
    override = env.get(VERSION_ENV)
    if override:
        line = parse_line(override)
        if line is None:
            raise ValueError(f"{VERSION_ENV}: {override!r} is not a version such as 2.5 or 3.1")
        return line
    if peer_bin is None:
        return DEFAULT_LINE
    return parse_line(binary_version(peer_bin)) or DEFAULT_LINE


def is_v2(line: tuple[int, int]) -> bool:
    return line[0] < 3


def auth_filters(line: tuple[int, int]) -> list[dict[str, str]]:
    filters = [{"name": "DefaultAuth"}, {"name": "ExpirationCheck"}]
    return filters if is_v2(line) else [*filters, {"name": "TimeWindowCheck"}]
