"""A PostgreSQL database of a test's own on the local server, created and dropped.

The server comes from UNITBOARD_TEST_POSTGRES_URL (default: the local `test` database),
used only to create and drop `unitboard_*` databases. If it cannot be reached, the tests
that need it fail: they never skip."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

POSTGRES_ADMIN_URL = os.environ.get(
    "UNITBOARD_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def admin_connection() -> psycopg.Connection[tuple[object, ...]]:
    try:
        return psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {exc}")


def fresh_postgres_database(prefix: str = "unitboard_test") -> tuple[str, Callable[[], None]]:
    """A new empty database: its plain `postgresql://` URL, and how to drop it."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with admin_connection() as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def drop() -> None:
        with admin_connection() as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    url = make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql", database=name)
    return url.render_as_string(False), drop
