"""A full disk is said as it is. The log lives on a tiny tmpfs (SQLite's file; PostgreSQL's
tables, in a tablespace there) that the test fills to the last page: commands are refused
with 507 "the disk is full; nothing was recorded", not "cannot be reached"; /healthz says
`degraded` (503) although every read still works; nothing refused is in the log. When space
is freed the same server records again and /healthz says ok."""

from __future__ import annotations

import uuid
from collections.abc import Generator, Iterator
from pathlib import Path

import psycopg
import pytest
from e2e_support import Api, Server, create_token, fresh_postgres_database
from fault_support import TinyDisk
from psycopg import sql

from postgres_support import admin_connection
from unitboard.store import make_engine, upgrade

CLEANING = ("MarkBedDirty", "StartCleaning", "MarkBedClean")


def _sqlite_on(disk: TinyDisk) -> Generator[str]:
    disk.mount()
    try:
        yield f"sqlite:///{disk.path}/board.db"
    finally:
        disk.unmount()


def _postgres_on(disk: TinyDisk) -> Generator[str]:
    """A fresh database whose tables and indexes live in a tablespace on `disk`."""
    disk.mount()
    space = f"unitboard_tiny_{uuid.uuid4().hex[:8]}"
    url, drop = fresh_postgres_database()
    try:
        with admin_connection() as admin:
            admin.execute(
                sql.SQL("CREATE TABLESPACE {} LOCATION {}").format(
                    sql.Identifier(space), sql.Literal(str(disk.path))
                )
            )
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        with psycopg.connect(url, autocommit=True) as connection:
            for kind in ("TABLE", "INDEX"):
                connection.execute(
                    sql.SQL("ALTER {} ALL IN TABLESPACE pg_default SET TABLESPACE {}").format(
                        sql.SQL(kind), sql.Identifier(space)
                    )
                )
        yield url
    finally:
        drop()
        with admin_connection() as admin:
            admin.execute(sql.SQL("DROP TABLESPACE IF EXISTS {}").format(sql.Identifier(space)))
        disk.unmount()


@pytest.fixture(params=["sqlite", "postgresql"])
def server_on_a_tiny_disk(
    request: pytest.FixtureRequest, layout_file: Path, tmp_path: Path
) -> Iterator[tuple[Server, TinyDisk]]:
    if request.param == "sqlite":
        disk = TinyDisk(tmp_path / "disk", megabytes=4)
        database = _sqlite_on(disk)
    else:  # the server runs as postgres: a folder it can reach, owned by it
        disk = TinyDisk(Path(f"/tmp/unitboard-disk-{uuid.uuid4().hex[:8]}"), 4, "postgres")
        database = _postgres_on(disk)
    url = next(database)
    server = Server(url, layout_file, tmp_path / "server.log")
    try:
        server.start()
        yield server, disk
    finally:
        server.stop()
        disk.free()
        database.close()
    server.assert_no_server_errors()


def test_a_full_disk_is_refused_as_full_and_reported_degraded_until_freed(
    server_on_a_tiny_disk: tuple[Server, TinyDisk],
) -> None:
    server, disk = server_on_a_tiny_disk
    api = Api(server, create_token(server.database_url, "secretary", "faults-disk"))
    api.ok("MarkBedDirty", {"bed_id": "4W-401-A"})
    head = api.last_position()

    disk.fill()
    refused = None
    for attempt in range(60):
        command = CLEANING[(attempt + 1) % 3]
        answer = api.post(command, {"bed_id": "4W-401-A"}, key=f"full-{attempt}")
        if answer.status_code != 200:
            refused = answer
            break
        head = answer.json()["position"]
    assert refused is not None, "sixty commands fitted on a full disk"
    assert refused.status_code == 507, refused.text
    error = refused.json()["error"]
    assert error["code"] == "storage_full"
    assert "disk is full" in error["message"] and "nothing was recorded" in error["message"]

    health = server.http.get("/healthz")
    assert health.status_code == 503
    assert health.json()["status"] == "degraded"
    assert health.json()["writes"]["problem"] == "storage_full"
    assert api.last_position() == head  # reads work, and nothing refused was recorded
    assert api.board("4W")["position"] == head

    disk.free()
    api.ok(command, {"bed_id": "4W-401-A"}, key="after-freeing")
    health = server.http.get("/healthz")
    assert (health.status_code, health.json()["status"]) == (200, "ok")
