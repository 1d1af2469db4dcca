"""Viper ignores unknown keys silently, so a misspelt key in our core.yaml/orderer.yaml would just not apply.
Every key path we write must exist in the sample config shipped with the official release (``config/``),
except the few the sample leaves commented out. Skipped when no release with ``config/`` is installed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from network.fabric import nodes
from network.fabric.binaries import config_folder, find_binary
from network.fabric.release import release_line
from network.layout import NetworkLayout

# Keys read by Fabric but commented out (or absent) in the release's sample files.
NOT_IN_SAMPLE = {
    "core.yaml": {
        "peer.chaincodeListenAddress",  # core/peer/config.go GlobalConfig
        "peer.chaincodeAddress",
    },
    "orderer.yaml": {
        "General.BootstrapMethod",  # orderer/common/localconfig/config.go (absent from the v3 sample)
    },
}


def _paths(doc: Any, prefix: str = "") -> Iterator[str]:
    if isinstance(doc, dict) and doc:
        for key, value in doc.items():
            yield from _paths(value, f"{prefix}.{key}" if prefix else str(key))
    else:
        yield prefix


def _sample(name: str) -> dict[str, Any]:
    binary = find_binary("peer") or find_binary("orderer")
    folder = config_folder(binary) if binary else None
    if folder is None or not (folder / name).is_file():
        pytest.skip(f"no official release with config/{name} (set FABRIC_BIN to an unpacked release)")
    doc: dict[str, Any] = yaml.safe_load((folder / name).read_text())
    return doc


def _prefixes(doc: dict[str, Any]) -> set[str]:
    found = set()
    for path in _paths(doc):
        parts = path.split(".")
        found |= {".".join(parts[: i + 1]).lower() for i in range(len(parts))}
    return found


@pytest.mark.fabric
@pytest.mark.parametrize("kind", ["peer", "orderer"])
def test_every_key_we_write_is_one_fabric_knows(fabric_layout: NetworkLayout, kind: str) -> None:
    layout = NetworkLayout(fabric_layout.root)
    node = (nodes.peer_nodes if kind == "peer" else nodes.orderer_nodes)(layout, Path(kind))[0]
    line = release_line(find_binary("peer"))  # the installed release decides the template variant
    name, ours = nodes.node_config_document(layout, node, line)
    known = _prefixes(_sample(name)) | {k.lower() for k in NOT_IN_SAMPLE[name]}
    # viper keys are case-insensitive; list-valued keys (externalBuilders, authFilters) end at the list
    unknown = [p for p in _paths(ours) if p.lower() not in known]
    assert unknown == []
