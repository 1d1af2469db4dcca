"""Which policy validates a namespace (``core/chaincode/lifecycle/deployedcc_infoprovider.go``).

* ``_lifecycle`` itself: ``/Channel/Application/LifecycleEndorsement`` if the channel defines it, else a
  majority of the application orgs' members (``LifecycleEndorsementPolicyAsBytes``).
* a user chaincode: the ``ValidationInfo`` of its committed definition, read from the ``_lifecycle``
  namespace under ``namespaces/metadata/<cc>`` and ``namespaces/fields/<cc>/<Field>``
  (``serializer.go``; ``ChaincodeDefinitionIfDefined``). No definition -> INVALID_CHAINCODE.
* an implicit org collection ``_implicit_org_<MSPID>``: that org's ``Endorsement`` policy if defined, else
  any member of the org (``ImplicitCollectionEndorsementPolicyAsBytes``); an explicit collection: its own
  ``endorsement_policy`` from the definition's collection config, if any.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

from fabric_protos.common import policies_pb2
from fabric_protos.peer import collection_pb2
from fabric_protos.peer.lifecycle import chaincode_definition_pb2, db_pb2
from google.protobuf.message import DecodeError

from network.devnet.channelconfig import ChannelBundle
from network.devnet.ledger.version import VersionedValue
from network.devnet.policy.dsl import role_principal

LIFECYCLE_NS = "_lifecycle"
LIFECYCLE_ENDORSEMENT = "/Channel/Application/LifecycleEndorsement"
IMPLICIT_PREFIX = "_implicit_org_"
DEFAULT_VALIDATION_PLUGIN = "vscc"


class StateGetter(Protocol):
    def get_state(self, ns: str, key: str) -> VersionedValue | None: ...


class DefinitionError(Exception):
    """The namespace has no usable definition (INVALID_CHAINCODE at commit)."""


@dataclass(frozen=True)
class ChaincodeValidation:
    """What the validator needs from a committed definition."""

    name: str
    version: str
    validation_plugin: str
    validation_parameter: bytes
    collections: collection_pb2.CollectionConfigPackage

    @cached_property
    def endorsement_policy(self) -> policies_pb2.ApplicationPolicy | None:
        """``validation_parameter`` decoded as the v20 plugin's ApplicationPolicy, None if it does not decode
        (decoded once: a definition is immutable, and a block reuses it for every transaction)."""
        try:
            return policies_pb2.ApplicationPolicy.FromString(self.validation_parameter)
        except DecodeError:
            return None


def _state_data(state: StateGetter, key: str) -> db_pb2.StateData | None:
    vv = state.get_state(LIFECYCLE_NS, key)
    if vv is None:
        return None
    try:
        return db_pb2.StateData.FromString(vv.value)
    except DecodeError as exc:
        raise DefinitionError(f"{LIFECYCLE_NS}/{key}: corrupt StateData") from exc


def committed_definition(name: str, state: StateGetter) -> ChaincodeValidation | None:
    """``ChaincodeDefinitionIfDefined`` restricted to the validation-relevant fields; None if undefined."""
    meta = state.get_state(LIFECYCLE_NS, f"namespaces/metadata/{name}")
    if meta is None:
        return None
    try:
        metadata = db_pb2.StateMetadata.FromString(meta.value)
    except DecodeError as exc:
        raise DefinitionError(f"namespaces/metadata/{name}: corrupt StateMetadata") from exc
    if metadata.datatype != "ChaincodeDefinition":
        raise DefinitionError(f"namespaces/metadata/{name}: not a ChaincodeDefinition but {metadata.datatype!r}")
    fields = {f: _state_data(state, f"namespaces/fields/{name}/{f}") for f in metadata.fields}
    try:
        endorsement = chaincode_definition_pb2.ChaincodeEndorsementInfo.FromString(
            fields["EndorsementInfo"].Bytes if fields.get("EndorsementInfo") else b""
        )
        validation = chaincode_definition_pb2.ChaincodeValidationInfo.FromString(
            fields["ValidationInfo"].Bytes if fields.get("ValidationInfo") else b""
        )
        collections = collection_pb2.CollectionConfigPackage.FromString(
            fields["Collections"].Bytes if fields.get("Collections") else b""
        )
    except DecodeError as exc:
        raise DefinitionError(f"namespaces/fields/{name}: corrupt definition field") from exc
    return ChaincodeValidation(
        name, endorsement.version, validation.validation_plugin, validation.validation_parameter, collections
    )


DEFINITION_FIELDS = ("Sequence", "EndorsementInfo", "ValidationInfo", "Collections")
"""The fields ``_lifecycle`` stores for a committed ``ChaincodeDefinition`` (``lifecycle.go``)."""


def definition_keys(name: str) -> list[tuple[str, str]]:
    """The ``_lifecycle`` keys :func:`committed_definition` reads for a chaincode with the usual fields (a
    hint for batched reads: the definition itself always follows ``metadata.fields``)."""
    return [(LIFECYCLE_NS, f"namespaces/metadata/{name}")] + [
        (LIFECYCLE_NS, f"namespaces/fields/{name}/{f}") for f in DEFINITION_FIELDS
    ]


def signed_by_n_out_of_members(n: int, mspids: list[str]) -> policies_pb2.SignaturePolicyEnvelope:
    """``policydsl.SignedByNOutOfGivenRole(n, MEMBER, ids)`` with the ids sorted, as Fabric does."""
    ids = sorted(mspids)
    return policies_pb2.SignaturePolicyEnvelope(
        version=0,
        rule=policies_pb2.SignaturePolicy(
            n_out_of=policies_pb2.SignaturePolicy.NOutOf(
                n=n, rules=[policies_pb2.SignaturePolicy(signed_by=i) for i in range(len(ids))]
            )
        ),
        identities=[role_principal(m, "member") for m in ids],
    )


def lifecycle_policy(bundle: ChannelBundle) -> policies_pb2.ApplicationPolicy:
    if bundle.has_policy(LIFECYCLE_ENDORSEMENT):
        return policies_pb2.ApplicationPolicy(channel_config_policy_reference=LIFECYCLE_ENDORSEMENT)
    mspids = list(bundle.application_orgs)
    return policies_pb2.ApplicationPolicy(signature_policy=signed_by_n_out_of_members(len(mspids) // 2 + 1, mspids))


def namespace_validation(ns: str, bundle: ChannelBundle, state: StateGetter) -> ChaincodeValidation:
    """Validation plugin and policy for a namespace the transaction invokes or writes."""
    if ns == LIFECYCLE_NS:
        return ChaincodeValidation(
            ns,
            "syscc",
            DEFAULT_VALIDATION_PLUGIN,
            lifecycle_policy(bundle).SerializeToString(),
            collection_pb2.CollectionConfigPackage(),
        )
    definition = committed_definition(ns, state)
    if definition is None:
        raise DefinitionError(f"chaincode {ns} is not defined on channel {bundle.channel_id}")
    return definition


def implicit_collection_policy(mspid: str, bundle: ChannelBundle) -> policies_pb2.ApplicationPolicy:
    org = bundle.application_orgs.get(mspid)
    if org is None:
        raise DefinitionError(f"no org found in channel with MSPID '{mspid}'")
    ref = f"/Channel/Application/{org.name}/Endorsement"
    if bundle.has_policy(ref):
        return policies_pb2.ApplicationPolicy(channel_config_policy_reference=ref)
    envelope = policies_pb2.SignaturePolicyEnvelope(
        version=0,
        rule=policies_pb2.SignaturePolicy(
            n_out_of=policies_pb2.SignaturePolicy.NOutOf(n=1, rules=[policies_pb2.SignaturePolicy(signed_by=0)])
        ),
        identities=[role_principal(mspid, "member")],
    )
    return policies_pb2.ApplicationPolicy(signature_policy=envelope)


def collection_policy(
    collection: str, definition: ChaincodeValidation, bundle: ChannelBundle
) -> policies_pb2.ApplicationPolicy | None:
    """Collection-level endorsement policy, None when the collection relies on the chaincode's policy.

    Raises DefinitionError for a collection that is neither implicit nor configured (Fabric fails the
    transaction's policy check in that case).
    """
    if collection.startswith(IMPLICIT_PREFIX):
        return implicit_collection_policy(collection[len(IMPLICIT_PREFIX) :], bundle)
    for cfg in definition.collections.config:
        static = cfg.static_collection_config
        if static.name == collection:
            if static.HasField("endorsement_policy") and static.endorsement_policy.WhichOneof("Type"):
                return policies_pb2.ApplicationPolicy.FromString(static.endorsement_policy.SerializeToString())
            return None
    raise DefinitionError(f"collection {collection} is not defined for chaincode {definition.name}")
