"""Every signing identity a spec asks the bootstrap for, with the NodeOU role it must carry."""

from __future__ import annotations

from pathlib import Path

from network.layout import NetworkLayout
from network.spec import ConsortiumSpec


def all_identities(layout: NetworkLayout, spec: ConsortiumSpec) -> list[tuple[str, Path, str]]:
    """(msp_id, msp dir, expected NodeOU) for every node and user in the spec."""
    out = []
    for org in spec.orderer_orgs:
        out += [(org.msp_id, layout.orderer_dir(n.name) / "msp", "orderer") for n in org.nodes]
    for org in spec.member_orgs:
        out += [(org.msp_id, layout.peer_msp_dir(org.msp_id, p.name), "peer") for p in org.peers]
    for org in [*spec.orderer_orgs, *spec.member_orgs]:
        out += [(org.msp_id, layout.user_msp_dir(org.msp_id, u.name), u.role) for u in org.users]
    return out
