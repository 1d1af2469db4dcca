"""The suite's import roots: project packages resolve to the repository, never to a same-named test directory."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import devnet

import gateway
import network

ROOT = Path(__file__).resolve().parents[2]


def test_project_packages_are_the_real_ones() -> None:
    assert Path(network.__file__).resolve() == ROOT / "network" / "__init__.py"
    assert Path(gateway.__file__).resolve() == ROOT / "gateway" / "__init__.py"


def test_shared_test_helpers_import_from_tests() -> None:
    assert Path(devnet.__file__).resolve() == ROOT / "tests" / "devnet" / "__init__.py"


def test_guard_names_a_test_directory_that_is_a_package(tmp_path: Path) -> None:
    conftest = _load_root_conftest()
    (tmp_path / "network").mkdir()
    (tmp_path / "gateway").mkdir()
    (tmp_path / "gateway" / "__init__.py").write_text("")
    assert conftest.shadowing_test_packages(tmp_path, ("network", "gateway")) == [tmp_path / "gateway"]


def test_guard_finds_nothing_wrong_in_this_repository() -> None:
    conftest = _load_root_conftest()
    assert conftest.shadowing_test_packages(ROOT / "tests", conftest.PROJECT_PACKAGES) == []
    assert conftest.misresolved_packages(ROOT, conftest.PROJECT_PACKAGES) == []
    assert conftest.misresolved_packages(ROOT / "tests", ("network",)) == ["network -> " + network.__file__]


def _load_root_conftest() -> ModuleType:
    """The root conftest under a private name (pytest registers every conftest as ``conftest``)."""
    spec = importlib.util.spec_from_file_location("_root_conftest", ROOT / "tests" / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
