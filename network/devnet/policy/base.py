"""The policy interface and the always-rejecting policy Fabric substitutes for missing ones."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from network.configtx.policydsl import PolicyError
from network.devnet.policy.signeddata import SignedData

__all__ = ["Policy", "PolicyError", "RejectPolicy"]


class Policy(Protocol):
    def evaluate(self, signed: Sequence[SignedData]) -> bool:
        """True when the signature set satisfies the policy."""
        ...


class RejectPolicy:
    """``rejectPolicy``: what a lookup of an undefined policy yields (``common/policies/policy.go``)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def evaluate(self, signed: Sequence[SignedData]) -> bool:
        return False

    def __repr__(self) -> str:
        return f"RejectPolicy({self.name!r})"
