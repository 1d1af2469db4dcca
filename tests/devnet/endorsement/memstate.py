"""In-memory committed state for unit tests of the simulator and request handler (not a ledger)."""

from __future__ import annotations

from collections.abc import Iterator

from network.devnet.ledger.version import KeyModification, Version, VersionedValue


class MemState:
    def __init__(self) -> None:
        self.state: dict[tuple[str, str], VersionedValue] = {}
        self.mods: dict[tuple[str, str], list[KeyModification]] = {}

    def put(self, ns: str, key: str, value: bytes, block: int, tx: int, txid: str = "",
            metadata: dict[str, bytes] | None = None) -> None:
        self.state[(ns, key)] = VersionedValue(value, Version(block, tx), metadata or {})
        self.mods.setdefault((ns, key), []).insert(0, KeyModification(txid, value, 0, 0, False, block, tx))

    def get_state(self, ns: str, key: str) -> VersionedValue | None:
        return self.state.get((ns, key))

    def range(self, ns: str, start_key: str, end_key: str) -> Iterator[tuple[str, VersionedValue]]:
        keys = sorted((k for n, k in self.state if n == ns), key=lambda k: k.encode())
        for key in keys:
            if key.encode() < start_key.encode():
                continue
            if end_key and key.encode() >= end_key.encode():
                break
            yield key, self.state[(ns, key)]

    def history(self, ns: str, key: str) -> Iterator[KeyModification]:
        return iter(list(self.mods.get((ns, key), [])))
