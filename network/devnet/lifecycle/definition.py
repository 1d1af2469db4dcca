"""Chaincode definitions and per-org approval parameters (``core/chaincode/lifecycle/lifecycle.go``).

A committed definition is the structure ``ChaincodeDefinition{Sequence, EndorsementInfo, ValidationInfo,
Collections}`` in the public ``_lifecycle`` namespace; an org's approval is ``ChaincodeParameters
{EndorsementInfo, ValidationInfo, Collections}`` plus ``ChaincodeLocalPackage{PackageID}`` in its implicit
collection. Defaults (``SetChaincodeDefinitionDefaults``): plugins "escc"/"vscc", an empty validation
parameter becomes a reference to ``/Channel/Application/Endorsement``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from fabric_protos.common import policies_pb2
from fabric_protos.peer.lifecycle import chaincode_definition_pb2

from network.devnet.lifecycle import serializer as ser

DEFAULT_ENDORSEMENT_POLICY_REF = "/Channel/Application/Endorsement"


def default_endorsement_policy_bytes() -> bytes:
    """``DefaultEndorsementPolicyBytes``: ApplicationPolicy referencing the channel Endorsement policy."""
    return policies_pb2.ApplicationPolicy(
        channel_config_policy_reference=DEFAULT_ENDORSEMENT_POLICY_REF
    ).SerializeToString()


@dataclass(frozen=True)
class ChaincodeParameters:
    """What orgs approve and what must match for an approval to count (``ChaincodeParameters.Equal``)."""

    version: str
    endorsement_plugin: str = ""
    init_required: bool = False
    validation_plugin: str = ""
    validation_parameter: bytes = b""
    collections: bytes = b""

    def with_defaults(self) -> ChaincodeParameters:
        return replace(
            self,
            endorsement_plugin=self.endorsement_plugin or "escc",
            validation_plugin=self.validation_plugin or "vscc",
            validation_parameter=self.validation_parameter or default_endorsement_policy_bytes(),
        )

    def endorsement_info(self) -> bytes:
        return chaincode_definition_pb2.ChaincodeEndorsementInfo(
            version=self.version, init_required=self.init_required, endorsement_plugin=self.endorsement_plugin
        ).SerializeToString()

    def validation_info(self) -> bytes:
        return chaincode_definition_pb2.ChaincodeValidationInfo(
            validation_plugin=self.validation_plugin, validation_parameter=self.validation_parameter
        ).SerializeToString()

    def fields(self) -> dict[str, ser.FieldValue]:
        return {"EndorsementInfo": self.endorsement_info(), "ValidationInfo": self.validation_info(),
                "Collections": self.collections}

    def mismatch(self, other: ChaincodeParameters) -> str | None:
        """Name of the first differing parameter, as ``ChaincodeParameters.Equal`` reports it."""
        for label, a, b in (
            ("Version", self.version, other.version),
            ("EndorsementPlugin", self.endorsement_plugin, other.endorsement_plugin),
            ("InitRequired", self.init_required, other.init_required),
            ("ValidationPlugin", self.validation_plugin, other.validation_plugin),
            ("ValidationParameter", self.validation_parameter, other.validation_parameter),
            ("Collections", self.collections, other.collections),
        ):
            if a != b:
                return f"{label} '{a!r}' != '{b!r}'"
        return None


@dataclass(frozen=True)
class ChaincodeDefinition:
    sequence: int
    parameters: ChaincodeParameters

    def state_writes(self, name: str) -> dict[str, bytes]:
        """Keys of the committed definition in the public ``_lifecycle`` namespace."""
        fields: dict[str, ser.FieldValue] = {"Sequence": self.sequence, **self.parameters.fields()}
        return ser.serialize(ser.NAMESPACES, name, "ChaincodeDefinition", fields)


def approval_writes(name: str, sequence: int, params: ChaincodeParameters, package_id: str) -> dict[str, bytes]:
    """Keys an org's approval writes into its implicit collection."""
    pname = ser.private_name(name, sequence)
    out = ser.serialize(ser.NAMESPACES, pname, "ChaincodeParameters", params.fields())
    out.update(ser.serialize(ser.CHAINCODE_SOURCES, pname, "ChaincodeLocalPackage", {"PackageID": package_id}))
    return out


def parameters_from_fields(version_info: bytes, validation_info: bytes, collections: bytes) -> ChaincodeParameters:
    e = chaincode_definition_pb2.ChaincodeEndorsementInfo.FromString(version_info)
    v = chaincode_definition_pb2.ChaincodeValidationInfo.FromString(validation_info)
    return ChaincodeParameters(version=e.version, endorsement_plugin=e.endorsement_plugin,
                               init_required=e.init_required, validation_plugin=v.validation_plugin,
                               validation_parameter=v.validation_parameter, collections=collections)


def read_definition(read: ser.Reader, name: str) -> ChaincodeDefinition | None:
    """The committed definition of ``name``, or None when the chaincode is not defined."""
    meta = ser.read_metadata(read, ser.NAMESPACES, name)
    if meta is None or meta.datatype != "ChaincodeDefinition":
        return None
    values = {}
    for field in ("EndorsementInfo", "ValidationInfo", "Collections"):
        data = ser.read_field(read, ser.NAMESPACES, name, field)
        values[field] = data.Bytes if data is not None else b""
    params = parameters_from_fields(values["EndorsementInfo"], values["ValidationInfo"], values["Collections"])
    return ChaincodeDefinition(ser.read_int64(read, ser.NAMESPACES, name, "Sequence"), params)


def list_defined_names(keys: list[str]) -> list[str]:
    """Chaincode names from ``namespaces/metadata/<name>`` keys (``QueryChaincodeDefinitions``)."""
    prefix = f"{ser.NAMESPACES}/metadata/"
    return sorted(k[len(prefix):] for k in keys if k.startswith(prefix))
