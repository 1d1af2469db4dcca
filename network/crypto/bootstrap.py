"""``consortium generate`` and ``consortium add-user``: spec -> crypto tree, genesis blocks, resolved spec.

Safety rules (issue 3):

- a fresh network is built entirely in a staging directory next to the target and renamed into place, so an
  interrupted run leaves nothing behind;
- re-running keeps every existing key and certificate; only missing units are generated (staged, then moved);
- ``--force`` rebuilds everything in staging and swaps the whole directory, and only ever replaces a
  directory that is empty or holds a previously generated network;
- a spec whose orgs, nodes, ports or channels differ from the generated network is refused without
  ``--force`` (the genesis blocks would no longer match it). Users may differ: they are merged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from network.configtx.block import genesis_block
from network.configtx.channel import channel_group
from network.crypto.files import FILE_MODE, replace_file, staging_dir, swap_directory, write_file
from network.crypto.tree import MaterialError, TreePlan, commit_units, existing_cas, stage_network, stage_user
from network.layout import RESOLVED_SPEC, NetworkLayout
from network.spec import ConsortiumSpec, SpecError, SpecIssue, parse_spec
from network.spec.load import dump_resolved
from network.spec.models import UserSpec

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


class GenerateError(RuntimeError):
    """Generation was refused; nothing was written."""


@dataclass
class GenerateResult:
    created: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)


def _strip_users(spec: ConsortiumSpec) -> dict[str, Any]:
    data = spec.model_dump(mode="json")
    for kind in ("orderer_orgs", "member_orgs"):
        for org in data[kind]:
            org.pop("users", None)
    return data


def merge_users(spec: ConsortiumSpec, prior: ConsortiumSpec) -> ConsortiumSpec:
    """Users added earlier (``add-user``) stay part of the network even if the spec file lacks them."""
    data = spec.model_dump(mode="json")
    for kind in ("orderer_orgs", "member_orgs"):
        for org, prior_org in zip(data[kind], getattr(prior, kind), strict=True):
            names = {u["name"] for u in org["users"]}
            org["users"] += [u.model_dump(mode="json") for u in prior_org.users if u.name not in names]
    return parse_spec(data, "merged spec")


def _write_blocks(
    spec: ConsortiumSpec, source: NetworkLayout, dest: NetworkLayout, result: GenerateResult, progress: Progress
) -> None:
    for channel in spec.channels:
        path = dest.genesis_block(channel.name)
        rel = path.relative_to(dest.root)
        if path.exists():
            result.kept.append(rel)
            continue
        block = genesis_block(channel.name, channel_group(spec, channel.name, source))
        replace_file(path, block.SerializeToString(deterministic=True), FILE_MODE)
        result.created.append(rel)
        progress(f"created {rel} (channel {channel.name}, {len(channel.orgs)} member orgs)")


def _fresh(spec: ConsortiumSpec, out: Path, progress: Progress) -> GenerateResult:
    result = GenerateResult()
    with staging_dir(out) as tmp:
        stage = NetworkLayout(tmp, spec)
        plan = stage_network(spec, stage, stage)
        for rel in plan.created:
            progress(f"generated {rel}")
        result.created += plan.created
        _write_blocks(spec, stage, stage, result, progress)
        write_file(tmp / RESOLVED_SPEC, dump_resolved(spec).encode())
        result.created.append(Path(RESOLVED_SPEC))
        tmp.chmod(0o755)  # mkdtemp makes 0700; the network dir is read by every tool of the project
        swap_directory(tmp, out)
    return result


def _incremental(spec: ConsortiumSpec, out: Path, progress: Progress) -> GenerateResult:
    prior = NetworkLayout(out).resolved_spec()
    if _strip_users(prior) != _strip_users(spec):
        raise GenerateError(
            f"{out} was generated from a different spec (orgs, nodes, ports or channels changed); "
            "rerun with --force to regenerate everything"
        )
    merged = merge_users(spec, prior)
    target = NetworkLayout(out, merged)
    result = GenerateResult()
    with staging_dir(out) as tmp:
        stage = NetworkLayout(tmp, merged)
        plan: TreePlan = stage_network(merged, target, stage)
        commit_units(plan, stage, target, progress)
    result.created += plan.created
    result.kept += plan.kept
    _write_blocks(merged, target, target, result, progress)
    resolved = dump_resolved(merged).encode()
    spec_path = target.resolved_spec_path()
    if spec_path.read_bytes() != resolved:
        replace_file(spec_path, resolved)
        result.created.append(Path(RESOLVED_SPEC))
    else:
        result.kept.append(Path(RESOLVED_SPEC))
    return result


RUN_DIR = "run"  # where devnet nodes keep pid files (network/devnet/node/paths.py)


def refuse_if_nodes_recorded(out: Path) -> None:
    """``--force`` swaps the whole directory; nodes still running from it would lose their pid files and ledgers."""
    pid_files = sorted((out / RUN_DIR).glob("*.pid")) if (out / RUN_DIR).is_dir() else []
    if pid_files:
        names = ", ".join(p.stem for p in pid_files)
        raise GenerateError(f"{out}: nodes may still be running ({names}); run `consortium down` before --force")


def is_generated_network(path: Path) -> bool:
    return (path / RESOLVED_SPEC).is_file()


def generate(
    spec: ConsortiumSpec, out: Path | str, *, force: bool = False, progress: Progress = _quiet
) -> GenerateResult:
    """Create or complete the network directory ``out`` for ``spec``; see the module docstring for the rules."""
    out = Path(out)
    empty = not out.exists() or (out.is_dir() and not any(out.iterdir()))
    if out.exists() and not out.is_dir():
        raise GenerateError(f"{out} exists and is not a directory")
    if not empty and not is_generated_network(out):
        raise GenerateError(
            f"{out} is not empty and holds no generated network ({RESOLVED_SPEC}); refusing to touch it"
        )
    if force and not empty:
        refuse_if_nodes_recorded(out)
    if empty or force:
        progress(f"generating a new network in {out}" + (" (--force: replacing everything)" if not empty else ""))
        return _fresh(spec, out, progress)
    progress(f"completing the existing network in {out} (existing keys are kept)")
    try:
        return _incremental(spec, out, progress)
    except MaterialError as exc:
        raise GenerateError(str(exc)) from None


def add_user(
    out: Path | str, org: str, name: str, role: str = "client", attributes: dict[str, str] | None = None
) -> Path:
    """Enroll one more user in an existing network; nothing else is touched. Returns the user's folder."""
    layout = NetworkLayout(Path(out))
    prior = layout.resolved_spec()
    try:
        org_spec = prior.org(org)
    except KeyError:
        known = [o.msp_id for o in [*prior.member_orgs, *prior.orderer_orgs]]
        raise SpecError([SpecIssue(("org",), f"unknown org {org!r} (known: {known})")]) from None
    kind = "member_orgs" if org_spec in prior.member_orgs else "orderer_orgs"
    data = prior.model_dump(mode="json")
    index = next(i for i, o in enumerate(data[kind]) if o["msp_id"] == org_spec.msp_id)
    data[kind][index]["users"].append({"name": name, "role": role, "attributes": attributes or {}})
    updated = parse_spec(data, "add-user")  # rejects a duplicate or malformed user, naming the key path
    user = UserSpec(name=name, role=role, attributes=attributes or {})  # type: ignore[arg-type]
    target = NetworkLayout(layout.root, updated)
    cas = existing_cas(target, org_spec.msp_id)
    if cas is None:
        raise GenerateError(f"{target.org_dir(org_spec.msp_id)}: org has no CA; run `consortium generate` first")
    folder = target.user_dir(org_spec.msp_id, name)
    if folder.exists():
        raise GenerateError(f"{folder} already exists")
    with staging_dir(layout.root) as tmp:
        stage = NetworkLayout(tmp, updated)
        plan = TreePlan()
        stage_user(plan, target, stage, org_spec.msp_id, user, cas)
        commit_units(plan, stage, target, _quiet)
    replace_file(target.resolved_spec_path(), dump_resolved(updated).encode())
    return folder
