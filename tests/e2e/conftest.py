"""Fixtures for the end-to-end tests: real `unitboard serve` processes on SQLite and on
PostgreSQL (a fresh PostgreSQL database per server, dropped after)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_support import Server, SharedServer, fresh_postgres_database

from hospital import LAYOUT


@pytest.fixture
def layout_file(tmp_path: Path) -> Path:
    path = tmp_path / "layout.toml"
    path.write_text(LAYOUT)
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def e2e_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database per test: SQLite file or a PostgreSQL database of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/e2e.db"
        return
    url, drop = fresh_postgres_database()
    try:
        yield url
    finally:
        drop()


def _server(database_url: str, layout: Path, tmp_path: Path) -> Iterator[Server]:
    server = Server(database_url, layout, tmp_path / f"server-{uuid.uuid4().hex[:6]}.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()
    server.assert_no_server_errors()


@pytest.fixture
def server(e2e_database_url: str, layout_file: Path, tmp_path: Path) -> Iterator[Server]:
    """A running server on both backends, with the test layout loaded."""
    yield from _server(e2e_database_url, layout_file, tmp_path)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedServer]:
    tmp = tmp_path_factory.mktemp("shared")
    layout = tmp / "layout.toml"
    layout.write_text(LAYOUT)
    server = Server(f"sqlite:///{tmp}/shared.db", layout, tmp / "server.log")
    server.start()
    try:
        yield SharedServer(server)
    finally:
        server.stop()
    server.assert_no_server_errors()
