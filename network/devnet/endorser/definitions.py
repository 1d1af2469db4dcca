"""Committed chaincode definitions, read once per definition (``core/chaincode/lifecycle/cache.go``).

Fabric's peer keeps every committed definition in memory and, when endorsing, reads only the definition's
``Sequence`` key through the transaction's query executor (``ChaincodeEndorsementInfo`` in
``core/chaincode/lifecycle/lifecycle.go``): that read lands in the read set, and MVCC validation invalidates
a transaction simulated against a definition that was replaced meanwhile. The rest of the definition comes
from the cache.

Here the cache is keyed by the committed ``Sequence`` entry itself (value and version). ``_lifecycle``'s
``CommitChaincodeDefinition`` writes every field of a definition in the same transaction as its Sequence
(and the Sequence always changes), so while the Sequence key holds the same version no field of that
definition has been rewritten: the cached definition is the one ``read_definition`` would return now.
"""

from __future__ import annotations

from typing import Any

from network.devnet.ledger.version import VersionedValue
from network.devnet.lifecycle import serializer as ser
from network.devnet.lifecycle.definition import ChaincodeDefinition, read_definition

MAX_CACHED = 1024
"""Definitions kept per endorser (one per channel and chaincode name; cleared wholesale beyond this)."""


def sequence_key(name: str) -> str:
    """``namespaces/fields/<name>/Sequence``: the key whose read guards a definition."""
    return ser.field_key(ser.NAMESPACES, name, "Sequence")


def committed_reader(ledger: Any) -> ser.Reader:
    def read(key: str) -> bytes | None:
        committed = ledger.get_state(ser.LIFECYCLE_NS, key)
        return committed.value if committed is not None else None

    return read


def sequence_number(name: str, sequence: VersionedValue) -> int:
    return ser.read_int64(lambda key: sequence.value, ser.NAMESPACES, name, "Sequence")


class DefinitionCache:
    """``(channel, chaincode) -> (Sequence entry it was read under, definition)``."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], tuple[tuple[bytes, int, int], ChaincodeDefinition]] = {}

    def definition(self, channel_id: str, ledger: Any, name: str,
                   sequence: VersionedValue | None) -> ChaincodeDefinition | None:
        """The committed definition of ``name`` given the Sequence entry just read from ``ledger``."""
        if sequence is None:  # never committed: nothing to cache (read_definition decides, as before)
            return read_definition(committed_reader(ledger), name)
        guard = (sequence.value, sequence.version.block_num, sequence.version.tx_num)
        cached = self._entries.get((channel_id, name))
        if cached is not None and cached[0] == guard:
            return cached[1]
        definition = read_definition(committed_reader(ledger), name)
        if definition is not None and definition.sequence == sequence_number(name, sequence):
            # (a commit between the two reads would show here as a different Sequence: not cached then)
            if len(self._entries) >= MAX_CACHED:
                self._entries.clear()
            self._entries[(channel_id, name)] = (guard, definition)
        return definition

    def lookup(self, channel_id: str, ledger: Any, name: str) -> ChaincodeDefinition | None:
        """Same, reading the Sequence entry directly (callers without a simulator, e.g. the gateway)."""
        return self.definition(channel_id, ledger, name, ledger.get_state(ser.LIFECYCLE_NS, sequence_key(name)))

