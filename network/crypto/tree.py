"""Bringing a network's crypto tree up to date with a spec, one self-contained unit at a time.

A *unit* is a folder that is generated whole or not at all: an org's ``ca``/``tlsca``/``msp``, one node's
folder, one user's folder. Existing units are kept byte for byte (so re-running ``generate`` and ``add-user``
never touch unrelated material, and a CA is never silently replaced). Missing units are generated into a
staging tree and only moved into the target once every one of them was generated successfully.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from network.crypto.certs import Issuer, load_issuer
from network.crypto.files import FileSet, move_into_place
from network.crypto.identities import OrgCAs, new_org_cas, node_files, org_files, org_msp_files, user_files
from network.layout import PRIVATE_KEY_FILE, NetworkLayout
from network.spec.models import ConsortiumSpec, MemberOrgSpec, OrdererOrgSpec, UserSpec

Progress = Callable[[str], None]


class MaterialError(RuntimeError):
    """Existing material is inconsistent; regenerating it would need ``--force``."""


@dataclass
class TreePlan:
    """Units staged (relative paths) and units found already present."""

    created: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)


def _rel(layout: NetworkLayout, path: Path) -> Path:
    return path.relative_to(layout.root)


def _load_ca(folder: Path, cert_name: str) -> Issuer | None:
    cert, key = folder / cert_name, folder / PRIVATE_KEY_FILE
    if not folder.exists():
        return None
    if not (cert.is_file() and key.is_file()):
        raise MaterialError(f"{folder}: incomplete CA (need {cert.name} and {key.name}); refusing to replace a CA")
    try:
        return load_issuer(cert.read_bytes(), key.read_bytes())
    except ValueError as exc:
        raise MaterialError(f"{folder}: {exc}; refusing to replace a CA") from None


def existing_cas(target: NetworkLayout, org: str) -> OrgCAs | None:
    """The org's CAs from disk, ``None`` if the org has none yet, an error if only part of them exists."""
    domain = target.spec.org(org).domain
    ca = _load_ca(target.ca_dir(org), target.ca_cert(org).name)
    tlsca = _load_ca(target.tlsca_dir(org), target.tlsca_cert(org).name)
    if ca is None and tlsca is None:
        return None
    if ca is None or tlsca is None:
        missing = target.ca_dir(org) if ca is None else target.tlsca_dir(org)
        raise MaterialError(f"{missing}: missing while the org's other CA exists; refusing to replace a CA")
    return OrgCAs(domain, ca, tlsca)


def _stage(files: FileSet, stage: NetworkLayout, rel_dir: Path) -> None:
    files.write_under(stage.root / rel_dir)


def _stage_unit(
    plan: TreePlan, target: NetworkLayout, stage: NetworkLayout, folder: Path, make: Callable[[], FileSet]
) -> None:
    rel = _rel(target, folder)
    if folder.exists():
        plan.kept.append(rel)
        return
    _stage(make(), stage, rel)
    plan.created.append(rel)


def stage_org(plan: TreePlan, target: NetworkLayout, stage: NetworkLayout, org: MemberOrgSpec | OrdererOrgSpec) -> None:
    """Stage everything missing for one org: CAs + verifying MSP, nodes, users."""
    cas = existing_cas(target, org.msp_id)
    org_dir = target.org_dir(org.msp_id)
    if cas is None:
        if org_dir.exists() and any(org_dir.iterdir()):
            # Nodes or users issued by a CA that is gone cannot be re-issued silently.
            raise MaterialError(f"{org_dir}: has material but no CA; regenerate the network with --force")
        cas = new_org_cas(org.domain)
        files = org_files(cas)
        for sub in ("ca", "tlsca", "msp"):
            plan.created.append(_rel(target, org_dir / sub))
        _stage(files, stage, _rel(target, org_dir))
    else:
        plan.kept += [_rel(target, org_dir / "ca"), _rel(target, org_dir / "tlsca")]
        _stage_unit(plan, target, stage, org_dir / "msp", lambda: _only_msp(cas))
    if isinstance(org, OrdererOrgSpec):
        for node in org.nodes:
            folder = target.orderer_dir(node.name, org.msp_id)
            host = folder.name
            _stage_unit(plan, target, stage, folder, lambda h=host: node_files(cas, h, "orderer"))
    else:
        for peer in org.peers:
            folder = target.peer_dir(org.msp_id, peer.name)
            host = folder.name
            _stage_unit(plan, target, stage, folder, lambda h=host: node_files(cas, h, "peer"))
    for user in org.users:
        stage_user(plan, target, stage, org.msp_id, user, cas)


def _only_msp(cas: OrgCAs) -> FileSet:
    files = FileSet()
    whole = org_msp_files(cas)
    for rel, (data, mode) in whole.files.items():
        files.add(rel.relative_to("msp"), data, mode)
    for rel in whole.dirs:
        files.add_dir(rel.relative_to("msp"))
    return files


def stage_user(
    plan: TreePlan, target: NetworkLayout, stage: NetworkLayout, org: str, user: UserSpec, cas: OrgCAs
) -> None:
    _stage_unit(plan, target, stage, target.user_dir(org, user.name), lambda: user_files(cas, user))


def stage_network(spec: ConsortiumSpec, target: NetworkLayout, stage: NetworkLayout) -> TreePlan:
    plan = TreePlan()
    for org in [*spec.orderer_orgs, *spec.member_orgs]:
        stage_org(plan, target, stage, org)
    return plan


def commit_units(plan: TreePlan, stage: NetworkLayout, target: NetworkLayout, progress: Progress) -> None:
    """Move every staged unit into the target (each a single rename)."""
    for rel in plan.created:
        move_into_place(stage.root / rel, target.root / rel)
        progress(f"created {rel}")
