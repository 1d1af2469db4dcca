from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from svc_postgres import postgres_server
from svc_support import World, build_world

from gateway.service.app import create_app


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = build_world(tmp_path)
    yield w
    w.runtime.close()


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    app = create_app(world.runtime, recover_on_start=False)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A PostgreSQL server of this test module's own (started only when a postgres case asks for it)."""
    with postgres_server() as url:
        yield url
