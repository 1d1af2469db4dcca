"""Fabric policies: signature policies, implicit meta policies, the DSL and the channel policy tree."""

from network.devnet.policy.base import Policy, PolicyError, RejectPolicy
from network.devnet.policy.dsl import from_string, signed_by_any_member
from network.devnet.policy.implicitmeta import ImplicitMetaPolicy, parse_implicit_meta
from network.devnet.policy.manager import PolicyManager
from network.devnet.policy.signature import SignaturePolicy, signature_set_to_valid_identities
from network.devnet.policy.signeddata import SignedData

__all__ = [
    "ImplicitMetaPolicy",
    "Policy",
    "PolicyError",
    "PolicyManager",
    "RejectPolicy",
    "SignaturePolicy",
    "SignedData",
    "from_string",
    "parse_implicit_meta",
    "signature_set_to_valid_identities",
    "signed_by_any_member",
]
