"""Fixtures shared by every test folder: a PostgreSQL database of this session's own, and an
`engine` on SQLite and on PostgreSQL for the tests that must hold on both.

PostgreSQL: see postgres_support.py (it fails, never skips, when the server is down).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from postgres_support import fresh_postgres_database
from unitboard.store import drop_schema, make_engine, upgrade

# Servers on PostgreSQL keep their signing key in the working directory unless told: never
# in the checkout. (A test may unset it to see the key made beside a SQLite log.)
os.environ.setdefault(
    "UNITBOARD_SECRET_FILE", os.path.join(tempfile.mkdtemp(prefix="unitboard-key-"), "key")
)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh database for this test session, dropped at its end."""
    url, drop = fresh_postgres_database()
    try:
        yield url
    finally:
        drop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: object) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/unitboard.db"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on an empty log with the current schema (migrated to head); the tables, the
    alembic_version table and the function are dropped after."""
    engine = make_engine(database_url)
    upgrade(engine)
    try:
        yield engine
    finally:
        drop_schema(engine)
        engine.dispose()
