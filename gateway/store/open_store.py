"""Pick a store from a URL: ``sqlite:///path/to/file.db`` (default) or ``postgresql://...``."""

from __future__ import annotations

from gateway.store.model import OperationStore


def open_store(url: str) -> OperationStore:
    if url.startswith("sqlite:///"):
        from gateway.store.sqlite_store import SqliteStore

        return SqliteStore(url.removeprefix("sqlite:///") or ":memory:")
    if url == "sqlite://":
        from gateway.store.sqlite_store import SqliteStore

        return SqliteStore(":memory:")
    if url.startswith(("postgresql://", "postgres://")):
        from gateway.store.postgres_store import PostgresStore

        return PostgresStore(url)
    raise ValueError(f"store.url: {url!r} is neither sqlite:///... nor postgresql://...")
