"""Spec errors carry the key path of every problem so a user can find the offending line at once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

KeyPath = tuple[str | int, ...]


def format_path(path: KeyPath) -> str:
    """Render ``("member_orgs", 1, "msp_id")`` as ``member_orgs[1].msp_id``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "<root>"


@dataclass(frozen=True)
class SpecIssue:
    path: KeyPath
    reason: str

    def __str__(self) -> str:
        return f"{format_path(self.path)}: {self.reason}"


class SpecError(ValueError):
    """A consortium spec is invalid. ``issues`` lists every problem found, each with its key path."""

    def __init__(self, issues: Iterable[SpecIssue], source: str | None = None) -> None:
        self.issues: Sequence[SpecIssue] = tuple(issues)
        self.source = source
        prefix = f"{source}: " if source else ""
        super().__init__(prefix + "invalid consortium spec: " + "; ".join(str(i) for i in self.issues))

    @property
    def paths(self) -> list[str]:
        return [format_path(i.path) for i in self.issues]
