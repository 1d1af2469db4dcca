"""Pydantic models of the consortium spec (the YAML file) and of its resolved form.

Shape checks live here (types, name syntax, ranges); cross-references (duplicate IDs, unknown orgs, port
clashes) are checked in :mod:`network.spec.checks` after defaults are resolved, so every error can name the
exact key path. Name rules follow Fabric where Fabric has one:

- channel names: ``^[a-z][a-z0-9.-]*$``, at most 249 characters (``internal/configtxlator/update``
  ``ValidateChannelID`` / ``common/configtx/validator.go`` ``ValidateChannelID``);
- MSP IDs and org names become config-group keys, which must match ``[a-zA-Z0-9.-]+``
  (``common/configtx/validator.go`` ``validateConfigID``; we also allow ``_``-free names only);
- host names and domains are DNS names because they go into TLS SANs.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

CONFIG_ID = r"^[A-Za-z0-9.-]+$"
DNS_LABEL = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
DOMAIN = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
CHANNEL = r"^[a-z][a-z0-9.-]{0,248}$"
USER = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
ATTR_NAME = r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$"
IMPLICIT_META = re.compile(r"^(ANY|ALL|MAJORITY) ([A-Za-z0-9_.-]+)$")
DURATION = re.compile(r"^([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))+$")

ConfigId = Annotated[str, StringConstraints(pattern=CONFIG_ID, max_length=64)]
HostLabel = Annotated[str, StringConstraints(pattern=DNS_LABEL)]
Domain = Annotated[str, StringConstraints(pattern=DOMAIN, max_length=253)]
ChannelName = Annotated[str, StringConstraints(pattern=CHANNEL)]
UserName = Annotated[str, StringConstraints(pattern=USER)]
Port = Annotated[int, Field(ge=1, le=65535)]


class StrictModel(BaseModel):
    """Unknown keys are errors: a typo in the spec must not silently fall back to a default."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class UserSpec(StrictModel):
    """An enrolled user. ``role`` picks the NodeOU (client/admin); ``attributes`` become Fabric-CA attributes."""

    name: UserName
    role: Literal["client", "admin"] = "client"
    attributes: dict[str, str] = Field(default_factory=dict)

    @field_validator("attributes")
    @classmethod
    def _attribute_names(cls, value: dict[str, str]) -> dict[str, str]:
        for key in value:
            if not re.match(ATTR_NAME, key):
                raise ValueError(f"attribute name {key!r} must match {ATTR_NAME}")
        return value


class PeerSpec(StrictModel):
    """A peer; ports left out are assigned from the port plan (see :mod:`network.spec.ports`)."""

    name: HostLabel
    port: Port | None = None
    chaincode_port: Port | None = None
    operations_port: Port | None = None
    anchor: bool | None = None


class OrdererNodeSpec(StrictModel):
    """An orderer node (an etcdraft consenter). ``port`` serves Broadcast/Deliver and the raft cluster."""

    name: HostLabel
    port: Port | None = None
    admin_port: Port | None = None
    operations_port: Port | None = None


class MemberOrgSpec(StrictModel):
    name: ConfigId
    msp_id: ConfigId
    domain: Domain
    peers: list[PeerSpec] = Field(min_length=1)
    users: list[UserSpec] = Field(default_factory=lambda: [UserSpec(name="User1")])


class OrdererOrgSpec(StrictModel):
    name: ConfigId
    msp_id: ConfigId
    domain: Domain
    nodes: list[OrdererNodeSpec] = Field(min_length=1)
    users: list[UserSpec] = Field(default_factory=list)


class BatchSpec(StrictModel):
    """Orderer batching; defaults are Fabric's ``sampleconfig/configtx.yaml`` except the message count."""

    max_message_count: int = Field(default=10, ge=1)
    absolute_max_bytes: int = Field(default=99 * 1024 * 1024, ge=1)
    preferred_max_bytes: int = Field(default=512 * 1024, ge=1)
    timeout: str = "2s"

    @field_validator("timeout")
    @classmethod
    def _go_duration(cls, value: str) -> str:
        # The orderer parses this with Go's time.ParseDuration (orderer/common/channelconfig ... BatchTimeout).
        if not DURATION.match(value):
            raise ValueError(f"{value!r} is not a Go duration such as '2s' or '500ms'")
        return value

    @model_validator(mode="after")
    def _preferred_within_absolute(self) -> BatchSpec:
        # configtx validation rejects PreferredMaxBytes > AbsoluteMaxBytes (common/channelconfig/orderer.go).
        if self.preferred_max_bytes > self.absolute_max_bytes:
            raise ValueError("preferred_max_bytes must not exceed absolute_max_bytes")
        return self


def _implicit_meta(value: str) -> str:
    if not IMPLICIT_META.match(value):
        raise ValueError(
            f"{value!r} is not an implicit-meta rule like 'MAJORITY Endorsement' (ANY|ALL|MAJORITY <name>)"
        )
    return value


def _endorsement_rule(value: str) -> str:
    """Endorsement policies may also be signature policies in Fabric's DSL, e.g. ``OR('Org1MSP.peer')``."""
    if IMPLICIT_META.match(value):
        return value
    from network.configtx.policies import PolicyError, signature_envelope

    try:
        signature_envelope(value)
    except PolicyError as exc:
        raise ValueError(
            f"{value!r} is neither an implicit-meta rule (ANY|ALL|MAJORITY <name>) nor a signature policy: {exc}"
        ) from None
    return value


ImplicitMetaRule = Annotated[str, AfterValidator(_implicit_meta)]
EndorsementRule = Annotated[str, AfterValidator(_endorsement_rule)]


class ChannelPolicies(StrictModel):
    """Channel-level policies (table 5.3 of the protocol reference); endorsement ones may use the signature DSL."""

    readers: ImplicitMetaRule = "ANY Readers"
    writers: ImplicitMetaRule = "ANY Writers"
    admins: ImplicitMetaRule = "MAJORITY Admins"
    endorsement: EndorsementRule = "MAJORITY Endorsement"
    lifecycle_endorsement: EndorsementRule = "MAJORITY Endorsement"


class ChannelSpec(StrictModel):
    name: ChannelName
    orgs: list[str] = Field(min_length=1, description="MSP IDs of the member orgs on the channel")
    orderer_orgs: list[str] | None = Field(default=None, description="MSP IDs; default: every orderer org")
    batch: BatchSpec = Field(default_factory=BatchSpec)
    policies: ChannelPolicies = Field(default_factory=ChannelPolicies)


class ConsortiumSpec(StrictModel):
    """The whole consortium. After :func:`network.spec.load_spec` every optional port is filled in."""

    name: ConfigId = "consortium"
    base_port: Port = Field(default=7050, description="grpc port of the first orderer; the plan shifts with it")
    chaincode_base_port: Port | None = None
    orderer_orgs: list[OrdererOrgSpec] = Field(min_length=1)
    member_orgs: list[MemberOrgSpec] = Field(min_length=1)
    channels: list[ChannelSpec] = Field(min_length=1)

    def member_org(self, key: str) -> MemberOrgSpec:
        """Look an org up by MSP ID, name or domain."""
        for org in self.member_orgs:
            if key in (org.msp_id, org.name, org.domain):
                return org
        raise KeyError(f"no member org {key!r}")

    def orderer_org(self, key: str) -> OrdererOrgSpec:
        for org in self.orderer_orgs:
            if key in (org.msp_id, org.name, org.domain):
                return org
        raise KeyError(f"no orderer org {key!r}")

    def org(self, key: str) -> MemberOrgSpec | OrdererOrgSpec:
        try:
            return self.member_org(key)
        except KeyError:
            return self.orderer_org(key)

    def channel(self, name: str) -> ChannelSpec:
        for channel in self.channels:
            if channel.name == name:
                return channel
        raise KeyError(f"no channel {name!r}")

    def orderer_nodes(self) -> list[tuple[OrdererOrgSpec, OrdererNodeSpec]]:
        return [(org, node) for org in self.orderer_orgs for node in org.nodes]

    def peers(self) -> list[tuple[MemberOrgSpec, PeerSpec]]:
        return [(org, peer) for org in self.member_orgs for peer in org.peers]


def host(node: PeerSpec | OrdererNodeSpec, org: MemberOrgSpec | OrdererOrgSpec) -> str:
    """The node's fully qualified name, e.g. ``peer0.org1.example.com`` (cryptogen's naming)."""
    return f"{node.name}.{org.domain}"
