"""The consortium spec: one YAML file describing orgs, nodes, users, channels and the port plan.

Call :func:`load_spec` (a file) or :func:`parse_spec` (an already-parsed mapping). Both return a fully
resolved :class:`ConsortiumSpec` -- every default filled in, every port assigned -- or raise
:class:`SpecError` naming the offending key path. Nothing else in the project should read the YAML directly.
"""

from network.spec.errors import SpecError, SpecIssue
from network.spec.load import DEFAULT_SPEC_PATH, load_spec, parse_spec
from network.spec.models import (
    BatchSpec,
    ChannelPolicies,
    ChannelSpec,
    ConsortiumSpec,
    MemberOrgSpec,
    OrdererNodeSpec,
    OrdererOrgSpec,
    PeerSpec,
    UserSpec,
)

__all__ = [
    "DEFAULT_SPEC_PATH",
    "BatchSpec",
    "ChannelPolicies",
    "ChannelSpec",
    "ConsortiumSpec",
    "MemberOrgSpec",
    "OrdererNodeSpec",
    "OrdererOrgSpec",
    "PeerSpec",
    "SpecError",
    "SpecIssue",
    "UserSpec",
    "load_spec",
    "parse_spec",
]
