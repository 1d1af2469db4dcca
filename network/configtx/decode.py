"""Protobuf -> JSON for blocks, envelopes and configs, with nested bytes decoded (like ``configtxlator``).

Fabric nests serialized messages inside ``bytes`` fields everywhere (envelope payloads, headers, config
values, policies, MSP configs). Which message a ``bytes`` field holds depends on where it is and sometimes on a
sibling (a policy's ``type``, a principal's classification, a payload's header type, a config value's key).
Those rules live in the tables below; any ``bytes`` not covered is shown as base64, as protojson does.
64-bit integers become strings and enums their names, also as protojson does.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from fabric_protos.common import common_pb2, configtx_pb2, configuration_pb2, policies_pb2
from fabric_protos.ledger.rwset import rwset_pb2
from fabric_protos.ledger.rwset.kvrwset import kv_rwset_pb2
from fabric_protos.msp import identities_pb2, msp_config_pb2, msp_principal_pb2
from fabric_protos.orderer import configuration_pb2 as orderer_cfg
from fabric_protos.orderer.etcdraft import configuration_pb2 as raft_cfg
from fabric_protos.peer import (
    chaincode_event_pb2,
    chaincode_pb2,
    proposal_pb2,
    proposal_response_pb2,
    transaction_pb2,
)
from fabric_protos.peer import configuration_pb2 as peer_cfg
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import DecodeError, Message

Json = Any
BytesHook = Callable[[bytes, Message], Json]

# Config value key -> message type (common/channelconfig/*.go key constants).
CONFIG_VALUE_TYPES: dict[str, type[Message]] = {
    "HashingAlgorithm": configuration_pb2.HashingAlgorithm,
    "BlockDataHashingStructure": configuration_pb2.BlockDataHashingStructure,
    "OrdererAddresses": configuration_pb2.OrdererAddresses,
    "Endpoints": configuration_pb2.OrdererAddresses,
    "Consortium": configuration_pb2.Consortium,
    "Capabilities": configuration_pb2.Capabilities,
    "BatchSize": orderer_cfg.BatchSize,
    "BatchTimeout": orderer_cfg.BatchTimeout,
    "ChannelRestrictions": orderer_cfg.ChannelRestrictions,
    "ConsensusType": orderer_cfg.ConsensusType,
    "KafkaBrokers": orderer_cfg.KafkaBrokers,
    "Orderers": configuration_pb2.Orderers,
    "MSP": msp_config_pb2.MSPConfig,
    "AnchorPeers": peer_cfg.AnchorPeers,
    "ACLs": peer_cfg.ACLs,
}


def _as(message_type: type[Message]) -> BytesHook:
    def hook(data: bytes, _: Message) -> Json:
        return decode_bytes(data, message_type)

    return hook


def _typed_by(kind_of: Callable[[Any], int], types: dict[int, type[Message]]) -> BytesHook:
    """Bytes whose message type a sibling field names (a header type, a policy type, a principal class);
    kinds this table does not know stay base64."""

    def hook(data: bytes, parent: Message) -> Json:
        message_type = types.get(kind_of(parent))
        return decode_bytes(data, message_type) if message_type else _b64(data)

    return hook


_payload_data = _typed_by(
    lambda payload: common_pb2.ChannelHeader.FromString(payload.header.channel_header).type,
    {
        common_pb2.CONFIG: configtx_pb2.ConfigEnvelope,
        common_pb2.CONFIG_UPDATE: configtx_pb2.ConfigUpdateEnvelope,
        common_pb2.ENDORSER_TRANSACTION: transaction_pb2.Transaction,
    },
)
_policy_value = _typed_by(
    lambda policy: policy.type,
    {
        policies_pb2.Policy.SIGNATURE: policies_pb2.SignaturePolicyEnvelope,
        policies_pb2.Policy.IMPLICIT_META: policies_pb2.ImplicitMetaPolicy,
    },
)
_principal = _typed_by(
    lambda principal: principal.principal_classification,
    {
        msp_principal_pb2.MSPPrincipal.ROLE: msp_principal_pb2.MSPRole,
        msp_principal_pb2.MSPPrincipal.ORGANIZATION_UNIT: msp_principal_pb2.OrganizationUnit,
        msp_principal_pb2.MSPPrincipal.IDENTITY: identities_pb2.SerializedIdentity,
        msp_principal_pb2.MSPPrincipal.COMBINED: msp_principal_pb2.CombinedPrincipal,
    },
)


def _msp_config(data: bytes, parent: Message) -> Json:
    assert isinstance(parent, msp_config_pb2.MSPConfig)
    message_type = msp_config_pb2.FabricMSPConfig if parent.type == 0 else msp_config_pb2.IdemixMSPConfig
    return decode_bytes(data, message_type)


def _consensus_metadata(data: bytes, parent: Message) -> Json:
    assert isinstance(parent, orderer_cfg.ConsensusType)
    return decode_bytes(data, raft_cfg.ConfigMetadata) if parent.type == "etcdraft" else _b64(data)


def _creator(data: bytes, _: Message) -> Json:
    return decode_bytes(data, identities_pb2.SerializedIdentity) if data else ""


def _pem(data: bytes, _: Message) -> Json:
    try:
        return data.decode("ascii")
    except UnicodeDecodeError:
        return _b64(data)


BYTES_HOOKS: dict[tuple[str, str], BytesHook] = {
    ("common.BlockData", "data"): _as(common_pb2.Envelope),
    ("common.Envelope", "payload"): _as(common_pb2.Payload),
    ("common.Payload", "data"): _payload_data,
    ("common.Header", "channel_header"): _as(common_pb2.ChannelHeader),
    ("common.Header", "signature_header"): _as(common_pb2.SignatureHeader),
    ("common.SignatureHeader", "creator"): _creator,
    ("common.MetadataSignature", "signature_header"): _as(common_pb2.SignatureHeader),
    ("common.OrdererBlockMetadata", "consenter_metadata"): _as(common_pb2.Metadata),
    ("common.ConfigEnvelope", "last_update"): _as(common_pb2.Envelope),
    ("common.ConfigUpdateEnvelope", "config_update"): _as(configtx_pb2.ConfigUpdate),
    ("common.ConfigSignature", "signature_header"): _as(common_pb2.SignatureHeader),
    ("common.Policy", "value"): _policy_value,
    ("common.MSPPrincipal", "principal"): _principal,
    ("msp.SerializedIdentity", "id_bytes"): _pem,
    ("msp.MSPConfig", "config"): _msp_config,
    ("orderer.ConsensusType", "metadata"): _consensus_metadata,
    ("protos.TransactionAction", "header"): _as(common_pb2.SignatureHeader),
    ("protos.TransactionAction", "payload"): _as(transaction_pb2.ChaincodeActionPayload),
    ("protos.ChaincodeActionPayload", "chaincode_proposal_payload"): _as(proposal_pb2.ChaincodeProposalPayload),
    ("protos.ChaincodeProposalPayload", "input"): _as(chaincode_pb2.ChaincodeInvocationSpec),
    ("protos.ChaincodeEndorsedAction", "proposal_response_payload"): _as(proposal_response_pb2.ProposalResponsePayload),
    ("protos.ProposalResponsePayload", "extension"): _as(proposal_pb2.ChaincodeAction),
    ("protos.ChaincodeAction", "results"): _as(rwset_pb2.TxReadWriteSet),
    ("protos.ChaincodeAction", "events"): _as(chaincode_event_pb2.ChaincodeEvent),
    ("protos.Endorsement", "endorser"): _creator,
    ("rwset.NsReadWriteSet", "rwset"): _as(kv_rwset_pb2.KVRWSet),
}

_INT64_TYPES = {
    FieldDescriptor.TYPE_INT64,
    FieldDescriptor.TYPE_UINT64,
    FieldDescriptor.TYPE_SINT64,
    FieldDescriptor.TYPE_FIXED64,
    FieldDescriptor.TYPE_SFIXED64,
}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def decode_bytes(data: bytes, message_type: type[Message]) -> Json:
    """Parse ``data`` as ``message_type`` and render it; undecodable bytes stay base64 (never an exception)."""
    try:
        return to_json(message_type.FromString(data))
    except DecodeError:
        return {"undecodable_base64": _b64(data)}


def _scalar(field: FieldDescriptor, value: Any, parent: Message) -> Json:
    if field.type == FieldDescriptor.TYPE_BYTES:
        hook = BYTES_HOOKS.get((parent.DESCRIPTOR.full_name, field.name))
        return hook(bytes(value), parent) if hook else _b64(bytes(value))
    if field.type == FieldDescriptor.TYPE_ENUM:
        enum_value = field.enum_type.values_by_number.get(value)
        return enum_value.name if enum_value else value
    if field.type in _INT64_TYPES:
        return str(value)
    return value


def _field_value(field: FieldDescriptor, value: Any, parent: Message) -> Json:
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        return to_json(value)
    return _scalar(field, value, parent)


def _config_value(key: str, value: configtx_pb2.ConfigValue) -> Json:
    message_type = CONFIG_VALUE_TYPES.get(key)
    rendered = decode_bytes(value.value, message_type) if message_type else _b64(value.value)
    return {"mod_policy": value.mod_policy, "value": rendered, "version": str(value.version)}


def _block_metadata(metadata: common_pb2.BlockMetadata) -> Json:
    """Slots by index (``common.BlockMetadataIndex``): 0 and 1 hold Metadata wrappers, 2 raw tx flags."""
    slots: list[Json] = []
    for index, raw in enumerate(metadata.metadata):
        raw = bytes(raw)
        # Empty slots 0/1 are still Metadata: e.g. Metadata{value=LastConfig{index=0}} marshals to no bytes.
        if index == common_pb2.SIGNATURES:
            wrapper = common_pb2.Metadata.FromString(raw)
            rendered = to_json(wrapper)
            rendered["value"] = decode_bytes(wrapper.value, common_pb2.OrdererBlockMetadata) if wrapper.value else {}
            slots.append(rendered)
        elif index == common_pb2.LAST_CONFIG:
            wrapper = common_pb2.Metadata.FromString(raw)
            rendered = to_json(wrapper)
            rendered["value"] = decode_bytes(wrapper.value, common_pb2.LastConfig)
            slots.append(rendered)
        elif index == common_pb2.TRANSACTIONS_FILTER:
            slots.append(list(raw))
        elif index == common_pb2.COMMIT_HASH and raw:
            slots.append(to_json(common_pb2.Metadata.FromString(raw)))
        else:
            slots.append(_b64(raw))
    return {"metadata": slots}


def to_json(message: Message) -> Json:
    """Render any message, every field included (unset ones with their defaults), as configtxlator does."""
    if isinstance(message, common_pb2.BlockMetadata):
        return _block_metadata(message)
    out: dict[str, Json] = {}
    for field in message.DESCRIPTOR.fields:
        if field.containing_oneof is not None and not message.HasField(field.name):
            continue
        value = getattr(message, field.name)
        if field.type == FieldDescriptor.TYPE_MESSAGE and field.message_type.GetOptions().map_entry:
            value_field = field.message_type.fields_by_name["value"]
            if isinstance(message, configtx_pb2.ConfigGroup) and field.name == "values":
                out[field.name] = {k: _config_value(k, v) for k, v in sorted(value.items())}
            else:
                out[field.name] = {k: _field_value(value_field, v, message) for k, v in sorted(value.items())}
        elif field.label == FieldDescriptor.LABEL_REPEATED:
            out[field.name] = [_field_value(field, v, message) for v in value]
        elif field.type == FieldDescriptor.TYPE_MESSAGE and not message.HasField(field.name):
            out[field.name] = None
        else:
            out[field.name] = _field_value(field, value, message)
    return out


MESSAGE_TYPES: dict[str, type[Message]] = {
    "common.Block": common_pb2.Block,
    "common.Envelope": common_pb2.Envelope,
    "common.Payload": common_pb2.Payload,
    "common.Config": configtx_pb2.Config,
    "common.ConfigEnvelope": configtx_pb2.ConfigEnvelope,
    "common.ConfigGroup": configtx_pb2.ConfigGroup,
    "common.ConfigUpdate": configtx_pb2.ConfigUpdate,
    "common.ConfigUpdateEnvelope": configtx_pb2.ConfigUpdateEnvelope,
    "common.Policy": policies_pb2.Policy,
    "common.SignaturePolicyEnvelope": policies_pb2.SignaturePolicyEnvelope,
    "msp.MSPConfig": msp_config_pb2.MSPConfig,
    "msp.FabricMSPConfig": msp_config_pb2.FabricMSPConfig,
    "msp.SerializedIdentity": identities_pb2.SerializedIdentity,
    "protos.Transaction": transaction_pb2.Transaction,
    "protos.ProposalResponsePayload": proposal_response_pb2.ProposalResponsePayload,
}


def decode(data: bytes, type_name: str = "common.Block") -> Json:
    """Decode serialized bytes of a named message type (``configtxlator proto_decode --type``)."""
    message_type = MESSAGE_TYPES.get(type_name)
    if message_type is None:
        raise ValueError(f"unknown --type {type_name!r} (one of: {', '.join(sorted(MESSAGE_TYPES))})")
    try:
        message = message_type.FromString(data)
    except DecodeError as exc:
        raise ValueError(f"input is not a valid {type_name}: {exc}") from None
    return to_json(message)
