"""The loopback port plan: every node's ports derive from ``base_port`` unless the spec pins them.

With the default ``base_port`` of 7050 the plan is the familiar Fabric test-network one:
orderer *k* listens on 7050+1000k (grpc and raft cluster), 7053+1000k (channel participation admin) and
9443-k (operations); peer *j* of member org *N* (1-based) on 7051+1000(N-1)+10j (grpc),
that + 1 (chaincode listener) and 9444+(N-1)+10j (operations). Chaincode servers take ports from
``chaincode_base_port`` (default 9999) upward. Changing ``base_port`` shifts every default by the same amount,
so tests can run two networks side by side.
"""

from __future__ import annotations

from network.spec.models import ConsortiumSpec, MemberOrgSpec, OrdererNodeSpec, OrdererOrgSpec, PeerSpec, UserSpec

DEFAULT_BASE_PORT = 7050
DEFAULT_CHAINCODE_BASE_PORT = 9999
CHAINCODE_PORT_COUNT = 20
ADMIN_USER = "Admin"


def orderer_ports(offset: int, index: int) -> dict[str, int]:
    return {
        "port": 7050 + 1000 * index + offset,
        "admin_port": 7053 + 1000 * index + offset,
        "operations_port": 9443 - index + offset,
    }


def peer_ports(offset: int, org_index: int, peer_index: int) -> dict[str, int]:
    grpc = 7051 + 1000 * org_index + 10 * peer_index + offset
    return {"port": grpc, "chaincode_port": grpc + 1, "operations_port": 9444 + org_index + 10 * peer_index + offset}


def _fill(node: PeerSpec | OrdererNodeSpec, defaults: dict[str, int]) -> dict[str, int]:
    """Only ports the spec left out are filled; explicit ones always win."""
    return {key: value for key, value in defaults.items() if getattr(node, key) is None}


def resolve_orderer_org(org: OrdererOrgSpec, offset: int, first_index: int) -> OrdererOrgSpec:
    nodes = [
        node.model_copy(update=_fill(node, orderer_ports(offset, first_index + i))) for i, node in enumerate(org.nodes)
    ]
    return org.model_copy(update={"nodes": nodes, "users": with_admin(org.users)})


def resolve_member_org(org: MemberOrgSpec, offset: int, org_index: int) -> MemberOrgSpec:
    any_anchor_given = any(peer.anchor is not None for peer in org.peers)
    peers = []
    for j, peer in enumerate(org.peers):
        update: dict[str, object] = dict(_fill(peer, peer_ports(offset, org_index, j)))
        if peer.anchor is None:
            # Default: the first peer is the org's anchor peer, as in Fabric's sample configtx.yaml.
            update["anchor"] = (j == 0) and not any_anchor_given
        peers.append(peer.model_copy(update=update))
    return org.model_copy(update={"peers": peers, "users": with_admin(org.users)})


def with_admin(users: list[UserSpec]) -> list[UserSpec]:
    """Every org gets an ``Admin`` user (NodeOU admin) unless the spec lists one itself."""
    if any(u.name == ADMIN_USER for u in users):
        return list(users)
    return [UserSpec(name=ADMIN_USER, role="admin"), *users]


def resolve_ports(spec: ConsortiumSpec) -> ConsortiumSpec:
    """Fill every defaulted port, anchor flag, admin user and channel orderer-org list."""
    offset = spec.base_port - DEFAULT_BASE_PORT
    orderer_orgs = []
    index = 0
    for org in spec.orderer_orgs:
        orderer_orgs.append(resolve_orderer_org(org, offset, index))
        index += len(org.nodes)
    member_orgs = [resolve_member_org(org, offset, n) for n, org in enumerate(spec.member_orgs)]
    channels = [
        ch if ch.orderer_orgs is not None else ch.model_copy(update={"orderer_orgs": [o.msp_id for o in orderer_orgs]})
        for ch in spec.channels
    ]
    cc_base = spec.chaincode_base_port if spec.chaincode_base_port is not None else DEFAULT_CHAINCODE_BASE_PORT + offset
    return spec.model_copy(
        update={
            "orderer_orgs": orderer_orgs,
            "member_orgs": member_orgs,
            "channels": channels,
            "chaincode_base_port": cc_base,
        }
    )


def planned_ports(spec: ConsortiumSpec) -> list[int]:
    """Every loopback port a resolved spec's network binds: each node's listeners and the chaincode range."""
    ports = [p for _, n in spec.orderer_nodes() for p in (n.port, n.admin_port, n.operations_port) if p]
    ports += [p for _, n in spec.peers() for p in (n.port, n.chaincode_port, n.operations_port) if p]
    cc = spec.chaincode_base_port or 0
    return ports + (list(range(cc, cc + CHAINCODE_PORT_COUNT)) if cc else [])
