"""Reading a spec: YAML -> pydantic shape check -> defaults resolved -> cross-reference rules.

Any failure raises :class:`SpecError` before anything touches the disk, listing every issue with its key path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from network.spec.checks import check_spec
from network.spec.errors import SpecError, SpecIssue
from network.spec.models import ConsortiumSpec
from network.spec.ports import resolve_ports

DEFAULT_SPEC_PATH = Path(__file__).resolve().parent.parent / "consortium.yaml"


def _issues_from_pydantic(error: ValidationError) -> list[SpecIssue]:
    issues = []
    for item in error.errors():
        # pydantic appends validator names such as "function-after[...]" to loc for Annotated types; drop them.
        path = tuple(p for p in item["loc"] if not (isinstance(p, str) and "[" in p))
        reason = item["msg"]
        if item["type"] == "extra_forbidden":
            reason = "unknown key"
        issues.append(SpecIssue(path, reason))
    return issues


def parse_spec(data: Any, source: str | None = None) -> ConsortiumSpec:
    """Validate an already-parsed mapping (e.g. from YAML or JSON) and return the resolved spec."""
    if not isinstance(data, dict):
        raise SpecError([SpecIssue((), f"the spec must be a mapping, got {type(data).__name__}")], source)
    try:
        spec = ConsortiumSpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError(_issues_from_pydantic(exc), source) from None
    resolved = resolve_ports(spec)
    issues = check_spec(resolved)
    if issues:
        raise SpecError(issues, source)
    return resolved


def load_spec(path: Path | str | None = None) -> ConsortiumSpec:
    """Load and validate a spec file (YAML or JSON); default: ``network/consortium.yaml``."""
    file = Path(path) if path is not None else DEFAULT_SPEC_PATH
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError([SpecIssue((), f"cannot read spec: {exc.strerror}")], str(file)) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SpecError([SpecIssue((), f"not valid YAML: {exc}")], str(file)) from None
    return parse_spec(data, str(file))


def dump_resolved(spec: ConsortiumSpec) -> str:
    """The canonical JSON of a resolved spec (``spec.resolved.json``); stable key order, trailing newline."""
    return spec.model_dump_json(indent=2) + "\n"
