"""Which endorsement policies a transaction must satisfy, and checking collected endorsements against them.

Fabric's gateway asks discovery for layouts that satisfy the chaincode policy plus any key-level policies
named in the first endorsement's ``ChaincodeInterest`` (``endorse.go`` ``planFromFirstEndorser``). Here the
same policies are evaluated on the endorsers' identities (``EvaluateIdentities``), without re-verifying
signatures: a set of properly signed endorsements that passes here passes validation.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from fabric_protos.common import policies_pb2
from fabric_protos.ledger.rwset import rwset_pb2
from fabric_protos.ledger.rwset.kvrwset import kv_rwset_pb2
from fabric_protos.peer import proposal_pb2, proposal_response_pb2

from network.devnet.endorser.definitions import MAX_CACHED, DefinitionCache, committed_reader
from network.devnet.lifecycle import serializer as ser
from network.devnet.lifecycle.definition import ChaincodeDefinition, read_definition
from network.devnet.msp.identity import MSPIdentity
from network.devnet.policy import Policy, RejectPolicy
from network.devnet.policy.signature import IdentityDeserializer, SignaturePolicy, deduplicated_identities

LIFECYCLE_ENDORSEMENT = "/Channel/Application/LifecycleEndorsement"


def chaincode_policy(bundle: Any, ledger: Any, name: str, definition: ChaincodeDefinition | None = None) -> Policy:
    """The committed definition's ``ApplicationPolicy`` (``core/policy/application.go``); ``definition``, when
    given, is that committed definition (read through the endorser's definition cache)."""
    if definition is None:
        definition = read_definition(committed_reader(ledger), name)
    if definition is None:
        return RejectPolicy(f"chaincode {name} not defined")
    return application_policy(bundle, definition.parameters.validation_parameter)


def application_policy(bundle: Any, validation_parameter: bytes) -> Policy:
    app = policies_pb2.ApplicationPolicy.FromString(validation_parameter)
    if app.HasField("signature_policy"):
        return SignaturePolicy(app.signature_policy, bundle.msp_manager)
    return bundle.policy(app.channel_config_policy_reference)


class ChaincodePolicies:
    """Chaincode policies compiled once per (channel bundle, validation parameter).

    A policy is a pure function of the bundle (its MSPs and channel policies) and the definition's
    validation parameter bytes, so while both are the same objects/bytes the compiled policy is the one
    compiling again would give; reusing it also keeps the policy's own verdict memo warm.
    """

    def __init__(self, definitions: DefinitionCache) -> None:
        self.definitions = definitions
        self._compiled: dict[tuple[str, str], tuple[Any, bytes, Policy]] = {}

    def policy(self, channel_id: str, bundle: Any, ledger: Any, name: str) -> Policy:
        definition = self.definitions.lookup(channel_id, ledger, name)
        if definition is None:
            return RejectPolicy(f"chaincode {name} not defined")
        parameter = definition.parameters.validation_parameter
        cached = self._compiled.get((channel_id, name))
        if cached is not None and cached[0] is bundle and cached[1] == parameter:
            return cached[2]
        compiled = application_policy(bundle, parameter)
        if len(self._compiled) >= MAX_CACHED:
            self._compiled.clear()
        self._compiled[(channel_id, name)] = (bundle, parameter, compiled)
        return compiled


def lifecycle_policies(bundle: Any, results: bytes) -> list[Policy]:
    """``_lifecycle`` writes: public keys -> LifecycleEndorsement; an org's implicit collection -> that org's
    Endorsement policy (the policies the validator applies, reference 5.4)."""
    policies: list[Policy] = []
    by_mspid = {org.mspid: org for org in bundle.application_orgs.values()}
    for ns in rwset_pb2.TxReadWriteSet.FromString(results).ns_rwset:
        if ns.namespace != ser.LIFECYCLE_NS:
            continue
        if kv_rwset_pb2.KVRWSet.FromString(ns.rwset).writes:
            policies.append(bundle.policy(LIFECYCLE_ENDORSEMENT))
        for coll in ns.collection_hashed_rwset:
            prefix = "_implicit_org_"
            mspid = coll.collection_name[len(prefix):]
            if coll.collection_name.startswith(prefix) and mspid in by_mspid:
                policies.append(bundle.policy(f"/Channel/Application/{by_mspid[mspid].name}/Endorsement"))
    return policies or [bundle.policy(LIFECYCLE_ENDORSEMENT)]


def required_policies(bundle: Any, ledger: Any, cc_name: str, first: proposal_response_pb2.ProposalResponse,
                      namespace_policy: Callable[[str], Policy] | None = None) -> list[Policy]:
    """``namespace_policy(name)``: the chaincode policy of ``name`` (default: read and compiled now)."""
    if cc_name == ser.LIFECYCLE_NS:
        prp = proposal_response_pb2.ProposalResponsePayload.FromString(first.payload)
        return lifecycle_policies(bundle, proposal_pb2.ChaincodeAction.FromString(prp.extension).results)
    if namespace_policy is None:
        namespace_policy = functools.partial(chaincode_policy, bundle, ledger)
    calls = list(first.interest.chaincodes) or [proposal_response_pb2.ChaincodeCall(name=cc_name)]
    policies: list[Policy] = []
    for call in calls:
        for envelope in call.key_policies:
            policies.append(SignaturePolicy(envelope, bundle.msp_manager))
        if not call.disregard_namespace_policy:
            policies.append(namespace_policy(call.name))
    return policies


def endorser_identities(responses: Sequence[proposal_response_pb2.ProposalResponse],
                        deserializer: IdentityDeserializer) -> list[MSPIdentity]:
    return deduplicated_identities([r.endorsement.endorser for r in responses if r.HasField("endorsement")],
                                   deserializer)


def satisfied(policies: Sequence[Policy], responses: Sequence[proposal_response_pb2.ProposalResponse],
              deserializer: IdentityDeserializer) -> bool:
    """Do the endorsing identities collected so far satisfy every required policy?

    Like Fabric's gateway, which plans with discovery layouts (how many endorsers of which orgs) and never
    re-verifies an endorsement's signature (``endorse.go``), this only asks whether the *identities* fit
    the policies (``EvaluateIdentities``). The committing peers verify every signature; a bad one makes
    the transaction ENDORSEMENT_POLICY_FAILURE there, exactly as with a Fabric gateway.
    """
    identities = endorser_identities(responses, deserializer)
    return all(p.evaluate_identities(identities) for p in policies)


def orgs_to_ask_together(policies: Sequence[Policy], collected: Sequence[proposal_response_pb2.ProposalResponse],
                         candidates: Sequence[str], known_endorsers: dict[str, bytes],
                         deserializer: IdentityDeserializer) -> list[str]:
    """The shortest prefix of ``candidates`` (orgs in the order the gateway tries them) whose peers, going by
    the endorser identity each returned last time, would complete the layout; [] if that is unknown.

    Fabric's gateway knows its layouts before endorsing and sends the proposal to all the orgs of a layout
    at once (``endorse.go``); this is the same choice made from identities seen earlier. The caller still
    checks the actual responses and falls back to asking the remaining orgs one by one.
    """
    have = [r.endorsement.endorser for r in collected if r.HasField("endorsement")]
    chosen: list[str] = []
    for org in candidates:
        if org not in known_endorsers:
            return []
        chosen.append(org)
        identities = deduplicated_identities([*have, *(known_endorsers[o] for o in chosen)], deserializer)
        if all(p.evaluate_identities(identities) for p in policies):
            return chosen
    return []
