"""Peer ACLs (``core/aclmgmt/defaultaclprovider.go`` ``newDefaultACLProvider``, ``resourceprovider.go``).

Channel-scoped ("c") resources default to the channel's Application Readers or Writers (Fabric's one default
table, ``network.configtx.acls.CHANNEL_ACLS``, shared with the bootstrap); peer-scoped ("p")
resources are checked against the peer's *local* MSP (Admins or Members). An ``ACLs`` value in the channel's
Application group overrides any default; a relative ``policy_ref`` is taken under ``/Channel/Application/``
(``newAPIsProvider``).
"""

from __future__ import annotations

from collections.abc import Mapping

from fabric_protos.peer import configuration_pb2 as peer_cfg

from network.configtx.acls import CHANNEL_ACLS

LOCAL_ADMINS = "Admins"
LOCAL_MEMBERS = "Members"

LOCAL_ACLS: Mapping[str, str] = {
    "_lifecycle/InstallChaincode": LOCAL_ADMINS,
    "_lifecycle/QueryInstalledChaincode": LOCAL_ADMINS,
    "_lifecycle/GetInstalledChaincodePackage": LOCAL_ADMINS,
    "_lifecycle/QueryInstalledChaincodes": LOCAL_ADMINS,
    "_lifecycle/ApproveChaincodeDefinitionForMyOrg": LOCAL_ADMINS,
    "_lifecycle/QueryApprovedChaincodeDefinition": LOCAL_ADMINS,
    "_lifecycle/QueryApprovedChaincodeDefinitions": LOCAL_ADMINS,
    "snapshot/submitrequest": LOCAL_ADMINS,
    "snapshot/cancelrequest": LOCAL_ADMINS,
    "snapshot/listpending": LOCAL_ADMINS,
    "lscc/Install": LOCAL_ADMINS,
    "lscc/GetInstalledChaincodes": LOCAL_ADMINS,
    "cscc/JoinChain": LOCAL_ADMINS,
    "cscc/JoinChainBySnapshot": LOCAL_ADMINS,
    "cscc/JoinBySnapshotStatus": LOCAL_ADMINS,
    "cscc/GetChannels": LOCAL_MEMBERS,
}
"""p-resources: evaluated against the peer's local MSP (``Admins`` = admin role, ``Members`` = member)."""


def channel_acl_overrides(acls: peer_cfg.ACLs) -> dict[str, str]:
    """The Application ``ACLs`` value, relative refs made absolute under ``/Channel/Application``."""
    out: dict[str, str] = {}
    for resource, api in acls.acls.items():
        ref = api.policy_ref
        out[resource] = ref if not ref or ref.startswith("/") else f"/Channel/Application/{ref}"
    return out


def resolve_acl(resource: str, overrides: Mapping[str, str]) -> str:
    """Policy for ``resource``: channel override, else the c-default, else the local-MSP p-default.

    Returns an absolute channel policy path (``/Channel/...``) or ``Admins``/``Members`` for the local MSP.
    Raises ``KeyError`` for a resource Fabric does not know.
    """
    if overrides.get(resource):
        return overrides[resource]
    if resource in CHANNEL_ACLS:
        return CHANNEL_ACLS[resource]
    if resource in LOCAL_ACLS:
        return LOCAL_ACLS[resource]
    raise KeyError(f"resource: unknown ACL resource {resource!r}")


def is_local_acl(policy: str) -> bool:
    return not policy.startswith("/")
