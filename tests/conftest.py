"""Suite-wide import hygiene.

pyproject.toml puts the repository root (and ``tests/``) on ``sys.path`` once for the whole suite. Test directories
named like the project's packages (``tests/network``, ``tests/gateway``, ``tests/chaincode``) are harmless only while
they are *not* packages: a directory without ``__init__.py`` is at most a namespace portion, and the import system
always prefers a regular package found anywhere on the path. This conftest fails the run early, naming the directory,
if that invariant is ever broken or a project package resolves outside the repository.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT_PACKAGES = ("network", "gateway", "chaincode")


def shadowing_test_packages(tests_dir: Path, names: tuple[str, ...]) -> list[Path]:
    """Test directories that are regular packages under a project package's name, and so could shadow it."""
    return [tests_dir / name for name in names if (tests_dir / name / "__init__.py").exists()]


def misresolved_packages(root: Path, names: tuple[str, ...]) -> list[str]:
    """Project packages whose import does not resolve to ``<root>/<name>/__init__.py``."""
    wrong = []
    for name in names:
        module = importlib.import_module(name)
        if Path(module.__file__ or "").resolve() != (root / name / "__init__.py").resolve():
            wrong.append(f"{name} -> {module.__file__ or list(module.__path__)}")
    return wrong


def pytest_configure(config: pytest.Config) -> None:
    shadows = shadowing_test_packages(ROOT / "tests", PROJECT_PACKAGES)
    if shadows:
        raise pytest.UsageError(f"test directories must not be packages named like project packages: {shadows}")
    wrong = misresolved_packages(ROOT, PROJECT_PACKAGES)
    if wrong:
        raise pytest.UsageError(f"project packages resolve outside the repository: {wrong}")
