"""Signature policies (``common/cauthdsl/cauthdsl.go`` ``compile``; ``common/policies/policy.go``
``SignatureSetToValidIdentities``).

Evaluation first turns the signature set into identities: each is deserialized, skipped if an identity with
the same (mspid, id) was already accepted (checked *before* verifying, so a flood of copies costs nothing),
and kept only if its signature verifies. The rule is then evaluated greedily with one ``used`` flag per
identity: ``signed_by(i)`` takes the first unused identity satisfying principal ``i``; ``n_out_of`` runs each
sub-rule on a copy of the flags and commits the copy only when that sub-rule succeeds. There is no
backtracking, so the order of rules and signatures matters exactly as it does in Fabric.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from fabric_protos.common import policies_pb2
from fabric_protos.msp import msp_principal_pb2

from network.devnet.msp.errors import IdentityError
from network.devnet.msp.identity import MSPIdentity
from network.devnet.policy.base import PolicyError
from network.devnet.policy.signeddata import SignedData

Rule = Callable[[list[MSPIdentity], list[bool]], bool]


class IdentityDeserializer(Protocol):
    def deserialize_identity(self, serialized: bytes) -> MSPIdentity: ...


class SignedSet(tuple[SignedData, ...]):
    """A signature set that remembers its valid identities per deserializer during one evaluation.

    An implicit meta policy hands the same set to each sub-policy, and each turns it into identities
    again (``SignatureSetToValidIdentities``). That result is a function of the set and the deserializer
    alone (deserialization and verification are deterministic), so the first sub-policy's answer is reused
    by the others with the same deserializer. The memo lives only as long as the set.
    """

    _memo: dict[int, tuple[IdentityDeserializer, list[MSPIdentity]]]

    def valid_identities(self, deserializer: IdentityDeserializer) -> list[MSPIdentity]:
        memo = self.__dict__.setdefault("_memo", {})
        found = memo.get(id(deserializer))
        if found is None or found[0] is not deserializer:
            found = (deserializer, signature_set_to_valid_identities(self, deserializer))
            memo[id(deserializer)] = found
        return list(found[1])


def signature_set_to_valid_identities(
    signed: Sequence[SignedData], deserializer: IdentityDeserializer
) -> list[MSPIdentity]:
    seen: set[tuple[str, str]] = set()
    identities: list[MSPIdentity] = []
    for sd in signed:
        try:
            identity = deserializer.deserialize_identity(sd.identity)
        except IdentityError:
            continue
        key = (identity.identifier.mspid, identity.identifier.id)
        if key in seen:
            continue
        if not identity.verify(sd.data, sd.signature, sd.digest):
            continue
        seen.add(key)
        identities.append(identity)
    return identities


def deduplicated_identities(serialized: Sequence[bytes], deserializer: IdentityDeserializer) -> list[MSPIdentity]:
    """Identities for ``EvaluateIdentities``: deserializable ones, first of each (mspid, id), in order.
    Nothing is verified -- the caller vouches for the signatures (Fabric's gateway plans this way and
    leaves signature checks to the committing peers' validation)."""
    seen: set[tuple[str, str]] = set()
    identities: list[MSPIdentity] = []
    for data in serialized:
        try:
            identity = deserializer.deserialize_identity(data)
        except IdentityError:
            continue
        key = (identity.identifier.mspid, identity.identifier.id)
        if key not in seen:
            seen.add(key)
            identities.append(identity)
    return identities


def compile_rule(rule: policies_pb2.SignaturePolicy, principals: Sequence[msp_principal_pb2.MSPPrincipal]) -> Rule:
    kind = rule.WhichOneof("Type")
    if kind == "n_out_of":
        n = rule.n_out_of.n
        subs = [compile_rule(r, principals) for r in rule.n_out_of.rules]

        def n_out_of(identities: list[MSPIdentity], used: list[bool]) -> bool:
            verified = 0
            for sub in subs:
                trial = list(used)
                if sub(identities, trial):
                    verified += 1
                    used[:] = trial
            return verified >= n

        return n_out_of
    if kind == "signed_by":
        index = rule.signed_by
        if not 0 <= index < len(principals):
            raise PolicyError(f"signed_by: identity index {index} out of range")
        principal = principals[index]
        principal_bytes = principal.SerializeToString()

        def signed_by(identities: list[MSPIdentity], used: list[bool]) -> bool:
            for i, identity in enumerate(identities):
                if used[i]:
                    continue
                if identity.satisfies_principal(principal, principal_bytes):
                    used[i] = True
                    return True
            return False

        return signed_by
    raise PolicyError("rule: no signed_by or n_out_of set")


VERDICT_CACHE_SIZE = 1024
"""Rule verdicts remembered per compiled policy, keyed by the identity list."""


class SignaturePolicy:
    """A compiled ``SignaturePolicyEnvelope`` bound to the channel's identity deserializer.

    Verdicts of :meth:`evaluate_identities` are memoised per exact identity sequence (order included: the
    greedy rule depends on it). The rule reads nothing but the identities and the policy's fixed principals,
    and an identity's principal verdicts never change (:meth:`MSPIdentity.satisfies_principal`), so the same
    sequence always gets the same verdict. Identities compare by object, and the memo holds them, so a key
    cannot be reused by another identity. A block of transactions endorsed by the same peers thus walks the
    rule once.
    """

    def __init__(self, envelope: policies_pb2.SignaturePolicyEnvelope, deserializer: IdentityDeserializer) -> None:
        if envelope.version != 0:
            raise PolicyError(f"version: only version 0 signature policies are understood, got {envelope.version}")
        if not envelope.HasField("rule"):
            raise PolicyError("rule: signature policy envelope has no rule")
        self.envelope = envelope
        self.deserializer = deserializer
        self._rule = compile_rule(envelope.rule, list(envelope.identities))
        self._verdicts: dict[tuple[MSPIdentity, ...], bool] = {}

    @classmethod
    def from_bytes(cls, data: bytes, deserializer: IdentityDeserializer) -> SignaturePolicy:
        return cls(policies_pb2.SignaturePolicyEnvelope.FromString(data), deserializer)

    def evaluate_identities(self, identities: Sequence[MSPIdentity]) -> bool:
        key = tuple(identities)
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = self._rule(list(key), [False] * len(key))
            if len(self._verdicts) >= VERDICT_CACHE_SIZE:
                self._verdicts.clear()  # crude bound; plain dict operations stay safe across threads
            self._verdicts[key] = verdict
        return verdict

    def evaluate(self, signed: Sequence[SignedData]) -> bool:
        if isinstance(signed, SignedSet):
            return self.evaluate_identities(signed.valid_identities(self.deserializer))
        return self.evaluate_identities(signature_set_to_valid_identities(signed, self.deserializer))
