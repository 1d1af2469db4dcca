"""Implicit meta policies (``common/policies/implicitmeta.go``, ``implicitmetaparser.go``).

``ANY/ALL/MAJORITY <SubPolicy>`` is satisfied when enough of the child groups' policies named ``SubPolicy``
are: ANY = 1, ALL = every child, MAJORITY = children // 2 + 1. A child without that policy counts as a
rejecting policy, and with no children at all the threshold is 0, i.e. always satisfied.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from fabric_protos.common import policies_pb2

from network.configtx.policydsl import parse_implicit_meta
from network.devnet.policy.base import Policy, PolicyError
from network.devnet.policy.signature import SignedSet
from network.devnet.policy.signeddata import SignedData

if TYPE_CHECKING:
    from network.devnet.msp.identity import MSPIdentity

Rule = policies_pb2.ImplicitMetaPolicy.Rule

__all__ = ["ImplicitMetaPolicy", "implicit_meta_threshold", "parse_implicit_meta"]


def implicit_meta_threshold(rule: int, children: int) -> int:
    if rule == Rule.ANY:
        return 1 if children else 0
    if rule == Rule.ALL:
        return children
    if rule == Rule.MAJORITY:
        return children // 2 + 1 if children else 0
    raise PolicyError(f"rule: unknown implicit meta rule {rule}")


class ImplicitMetaPolicy:
    def __init__(self, definition: policies_pb2.ImplicitMetaPolicy, sub_policies: Sequence[Policy]) -> None:
        self.definition = definition
        self.sub_policies = list(sub_policies)
        self.threshold = implicit_meta_threshold(definition.rule, len(self.sub_policies))

    def evaluate(self, signed: Sequence[SignedData]) -> bool:
        """Each sub-policy evaluates the whole set, as in Fabric; as a :class:`SignedSet` the set's valid
        identities are worked out once for all of them."""
        shared = signed if isinstance(signed, SignedSet) else SignedSet(signed)
        return self._enough(lambda policy: policy.evaluate(shared))

    def evaluate_identities(self, identities: Sequence[MSPIdentity]) -> bool:
        """``implicitMetaPolicy.EvaluateIdentities``: the same threshold over the children's verdicts."""
        return self._enough(lambda policy: policy.evaluate_identities(identities))

    def _enough(self, accepts: Callable[[Policy], bool]) -> bool:
        remaining = self.threshold
        if remaining == 0:
            return True
        for policy in self.sub_policies:
            if accepts(policy):
                remaining -= 1
                if remaining == 0:
                    return True
        return False
