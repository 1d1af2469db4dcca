"""The policy interface and the always-rejecting policy Fabric substitutes for missing ones."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from network.configtx.policydsl import PolicyError
from network.devnet.policy.signeddata import SignedData

if TYPE_CHECKING:
    from network.devnet.msp.identity import MSPIdentity

__all__ = ["Policy", "PolicyError", "RejectPolicy"]


class Policy(Protocol):
    def evaluate(self, signed: Sequence[SignedData]) -> bool:
        """True when the signature set satisfies the policy."""
        ...

    def evaluate_identities(self, identities: Sequence[MSPIdentity]) -> bool:
        """True when these (already trusted) identities satisfy the policy; no signature is checked
        (``common/policies/policy.go`` ``Policy.EvaluateIdentities``)."""
        ...


class RejectPolicy:
    """``rejectPolicy``: what a lookup of an undefined policy yields (``common/policies/policy.go``)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def evaluate(self, signed: Sequence[SignedData]) -> bool:
        return False

    def evaluate_identities(self, identities: Sequence[MSPIdentity]) -> bool:
        return False

    def __repr__(self) -> str:
        return f"RejectPolicy({self.name!r})"
