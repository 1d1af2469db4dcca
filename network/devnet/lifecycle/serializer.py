"""``_lifecycle``'s key layout and field encoding (``core/chaincode/lifecycle/serializer.go``).

A structure named ``name`` in ``prefix`` ("namespaces" or "chaincode-sources") is stored as one metadata key
``<prefix>/metadata/<name>`` = ``StateMetadata{datatype, fields}`` plus one key per field
``<prefix>/fields/<name>/<Field>`` = ``StateData`` (Int64 / String / Bytes; proto messages as Bytes).
The validator (D1) finds chaincode definitions and endorsement policies under exactly these keys.
"""

from __future__ import annotations

from collections.abc import Callable

from fabric_protos.peer.lifecycle import db_pb2

LIFECYCLE_NS = "_lifecycle"
NAMESPACES = "namespaces"
CHAINCODE_SOURCES = "chaincode-sources"

FieldValue = int | str | bytes
Reader = Callable[[str], bytes | None]


def metadata_key(prefix: str, name: str) -> str:
    """``MetadataKey``."""
    return f"{prefix}/metadata/{name}"


def field_key(prefix: str, name: str, field: str) -> str:
    """``FieldKey``."""
    return f"{prefix}/fields/{name}/{field}"


def implicit_collection(mspid: str) -> str:
    """``implicitcollection.NameForOrg``: each org's private approvals live here."""
    return f"_implicit_org_{mspid}"


def private_name(cc_name: str, sequence: int) -> str:
    """Approvals are keyed by ``<cc>#<sequence>`` (``lifecycle.go``)."""
    return f"{cc_name}#{sequence}"


def encode_field(value: FieldValue) -> bytes:
    """``StateData`` oneof: int -> Int64, str -> String, bytes (incl. marshaled protos) -> Bytes."""
    if isinstance(value, bool):
        raise TypeError("booleans are not serialisable fields")
    if isinstance(value, int):
        return db_pb2.StateData(Int64=value).SerializeToString()
    if isinstance(value, str):
        return db_pb2.StateData(String=value).SerializeToString()
    return db_pb2.StateData(Bytes=bytes(value)).SerializeToString()


def encode_metadata(datatype: str, fields: list[str]) -> bytes:
    return db_pb2.StateMetadata(datatype=datatype, fields=fields).SerializeToString()


def serialize(prefix: str, name: str, datatype: str, fields: dict[str, FieldValue]) -> dict[str, bytes]:
    """Every key/value that represents the structure (field order = the Go struct's field order)."""
    out = {field_key(prefix, name, f): encode_field(v) for f, v in fields.items()}
    out[metadata_key(prefix, name)] = encode_metadata(datatype, list(fields))
    return out


def read_metadata(read: Reader, prefix: str, name: str) -> db_pb2.StateMetadata | None:
    raw = read(metadata_key(prefix, name))
    if raw is None or raw == b"":
        return None
    return db_pb2.StateMetadata.FromString(raw)


def read_field(read: Reader, prefix: str, name: str, field: str) -> db_pb2.StateData | None:
    raw = read(field_key(prefix, name, field))
    if raw is None:
        return None
    return db_pb2.StateData.FromString(raw)


def read_int64(read: Reader, prefix: str, name: str, field: str) -> int:
    """``DeserializeFieldAsInt64``: an absent field reads as 0."""
    data = read_field(read, prefix, name, field)
    return data.Int64 if data is not None else 0
