"""Committed chaincode definitions read straight from ``_lifecycle`` public state (for ``consortium status``).

Key layout from ``core/chaincode/lifecycle/serializer.go``: ``namespaces/metadata/<name>`` holds a
``StateMetadata{datatype="ChaincodeDefinition"}``; ``namespaces/fields/<name>/Sequence`` a
``StateData{Int64}``; ``namespaces/fields/<name>/EndorsementInfo`` a ``StateData{Bytes=ChaincodeEndorsementInfo}``.
"""

from __future__ import annotations

from typing import Any

from fabric_protos.peer.lifecycle import chaincode_definition_pb2, db_pb2

LIFECYCLE = "_lifecycle"
METADATA_PREFIX = "namespaces/metadata/"
DEFINITION = "ChaincodeDefinition"


def _field(ledger: Any, name: str, field: str) -> db_pb2.StateData | None:
    versioned = ledger.get_state(LIFECYCLE, f"namespaces/fields/{name}/{field}")
    return db_pb2.StateData.FromString(versioned.value) if versioned is not None else None


def committed_chaincodes(ledger: Any) -> dict[str, dict[str, Any]]:
    """``{name: {"sequence": int, "version": str}}`` for every committed chaincode definition."""
    result: dict[str, dict[str, Any]] = {}
    end = METADATA_PREFIX[:-1] + chr(ord("/") + 1)
    for key, versioned in ledger.range(LIFECYCLE, METADATA_PREFIX, end):
        if db_pb2.StateMetadata.FromString(versioned.value).datatype != DEFINITION:
            continue
        name = key[len(METADATA_PREFIX) :]
        sequence = _field(ledger, name, "Sequence")
        info = _field(ledger, name, "EndorsementInfo")
        version = chaincode_definition_pb2.ChaincodeEndorsementInfo.FromString(info.Bytes).version if info else ""
        result[name] = {"sequence": sequence.Int64 if sequence else 0, "version": version}
    return result
