"""Endorsement policy validation of one namespace (``core/common/validation/statebased/validator_keylevel.go``,
``v20.go``; ``core/policy/application.go``; reference 5.4 and 5.5).

The signature set is built from the endorsements: ``data = proposal_response_payload || endorser``. Then,
for every key the transaction writes in the namespace (public writes, public metadata writes, hashed writes,
hashed metadata writes, in that order):

* if an earlier still-valid transaction of the block changed the key's metadata -> policy failure;
* if the committed key carries a ``VALIDATION_PARAMETER`` it alone decides for that key;
* else a collection key uses its collection's endorsement policy (once per collection) when one exists;
* else the chaincode policy is evaluated (once).

If nothing was checked at all (read-only transaction), the chaincode policy is evaluated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from fabric_protos.common import policies_pb2
from fabric_protos.peer import proposal_response_pb2
from google.protobuf.message import DecodeError

from network.devnet.channelconfig import ChannelBundle, SignedData
from network.devnet.ledger.parsedrwset import NamespaceRWSet, ParsedRWSet
from network.devnet.ledger.version import VersionedValue
from network.devnet.policy import PolicyError, SignaturePolicy
from network.devnet.validation import codes
from network.devnet.validation.definitions import ChaincodeValidation, DefinitionError, collection_policy
from network.devnet.validation.envelope import Invalid

VALIDATION_PARAMETER = "VALIDATION_PARAMETER"
"""``transaction.MetaDataKeys.Name(VALIDATION_PARAMETER)``: the metadata entry holding a key-level policy."""

MetadataKey = tuple[str, str, bytes | str]


class KeyStateReader(Protocol):
    def get_state(self, ns: str, key: str) -> VersionedValue | None: ...

    def get_private_hash(self, ns: str, collection: str, key_hash: bytes) -> VersionedValue | None: ...


def endorsement_signature_set(
    prp_bytes: bytes, endorsements: Sequence[proposal_response_pb2.Endorsement]
) -> list[SignedData]:
    """Each endorser signed ``prp_bytes || endorser`` (``KeyLevelValidator.Validate``)."""
    return [SignedData(prp_bytes + e.endorser, e.endorser, e.signature) for e in endorsements]


def evaluate_application_policy(
    policy: policies_pb2.ApplicationPolicy, signed: Sequence[SignedData], bundle: ChannelBundle
) -> bool:
    """``ApplicationPolicyEvaluator.Evaluate``: inline signature policy or a channel policy reference."""
    kind = policy.WhichOneof("Type")
    if kind == "signature_policy":
        try:
            return SignaturePolicy(policy.signature_policy, bundle.msp_manager).evaluate(signed)
        except PolicyError:
            return False
    if kind == "channel_config_policy_reference":
        ref = policy.channel_config_policy_reference
        return bundle.has_policy(ref) and bundle.policy(ref).evaluate(signed)
    return False


def key_level_policy(vp: bytes) -> policies_pb2.ApplicationPolicy | None:
    """The v20 plugin wraps the stored SignaturePolicyEnvelope into an ApplicationPolicy."""
    try:
        return policies_pb2.ApplicationPolicy(signature_policy=policies_pb2.SignaturePolicyEnvelope.FromString(vp))
    except DecodeError:
        return None


@dataclass
class NamespaceEvaluator:
    """State of one namespace's evaluation (``baseEvaluator``: which policies were already checked)."""

    ns: str
    definition: ChaincodeValidation
    signed: list[SignedData]
    bundle: ChannelBundle
    state: KeyStateReader
    metadata_updated_in_block: set[MetadataKey]
    cc_checked: bool = False
    some_checked: bool = False
    collections_checked: set[str] = field(default_factory=set)

    def fail(self, reason: str) -> Invalid:
        return Invalid(codes.ENDORSEMENT_POLICY_FAILURE, f"namespace {self.ns}: {reason}")

    def check_chaincode_policy(self) -> None:
        policy = self.definition.endorsement_policy
        if policy is None or not evaluate_application_policy(policy, self.signed, self.bundle):
            raise self.fail("chaincode endorsement policy not satisfied")
        self.cc_checked = True
        self.some_checked = True

    def committed_validation_parameter(self, coll: str, key: bytes | str) -> bytes:
        if coll:
            assert isinstance(key, bytes)
            vv = self.state.get_private_hash(self.ns, coll, key)
        else:
            assert isinstance(key, str)
            vv = self.state.get_state(self.ns, key)
        return vv.metadata.get(VALIDATION_PARAMETER, b"") if vv is not None else b""

    def check_key(self, coll: str, key: bytes | str) -> None:
        """``checkSBAndCCEP`` for one written key."""
        if (self.ns, coll, key) in self.metadata_updated_in_block:
            raise self.fail("validation parameter of a written key was updated earlier in this block")
        vp = self.committed_validation_parameter(coll, key)
        if vp:
            policy = key_level_policy(vp)
            if policy is None or not evaluate_application_policy(policy, self.signed, self.bundle):
                raise self.fail("key-level endorsement policy not satisfied")
            self.some_checked = True
            return
        if coll:
            try:
                coll_policy = collection_policy(coll, self.definition, self.bundle)
            except DefinitionError as exc:
                raise self.fail(str(exc)) from exc
            if coll_policy is not None:
                if coll not in self.collections_checked:
                    if not evaluate_application_policy(coll_policy, self.signed, self.bundle):
                        raise self.fail(f"collection {coll} endorsement policy not satisfied")
                    self.collections_checked.add(coll)
                    self.some_checked = True
                return
        if not self.cc_checked:
            self.check_chaincode_policy()


def written_keys(ns_set: NamespaceRWSet) -> list[tuple[str, bytes | str]]:
    """Keys in Fabric's evaluation order: public writes, public metadata writes, then per collection
    hashed writes and hashed metadata writes."""
    kv = ns_set.kv
    keys: list[tuple[str, bytes | str]] = [("", w.key) for w in kv.writes]
    keys += [("", m.key) for m in kv.metadata_writes]
    for coll in ns_set.collections:
        keys += [(coll.name, bytes(w.key_hash)) for w in coll.hashed.hashed_writes]
        keys += [(coll.name, bytes(m.key_hash)) for m in coll.hashed.metadata_writes]
    return keys


def validate_namespace_endorsement(
    ns: str,
    tx_rwset: ParsedRWSet,
    definition: ChaincodeValidation,
    signed: list[SignedData],
    bundle: ChannelBundle,
    state: KeyStateReader,
    metadata_updated_in_block: set[MetadataKey],
) -> None:
    """Raise Invalid(ENDORSEMENT_POLICY_FAILURE) unless the namespace's writes are properly endorsed."""
    evaluator = NamespaceEvaluator(ns, definition, signed, bundle, state, metadata_updated_in_block)
    for ns_set in tx_rwset.namespaces:
        if ns_set.namespace != ns:
            continue
        for coll, key in written_keys(ns_set):
            evaluator.check_key(coll, key)
    if not evaluator.some_checked:
        evaluator.check_chaincode_policy()


def metadata_keys_written(tx_rwset: ParsedRWSet) -> set[MetadataKey]:
    """Keys whose metadata a transaction updates (``ExtractValidationParameterDependency``)."""
    out: set[MetadataKey] = set()
    for ns_set in tx_rwset.namespaces:
        out.update((ns_set.namespace, "", m.key) for m in ns_set.kv.metadata_writes)
        for coll in ns_set.collections:
            out.update((ns_set.namespace, coll.name, bytes(m.key_hash)) for m in coll.hashed.metadata_writes)
    return out
