"""A hospital's log as unitboard 0.1 wrote it (tests/fixtures/v1: schema 1, events without
versions, blocks with a free-text reason only) upgrades and replays, on SQLite and on
PostgreSQL, to the very boards that release showed; version 1 BedBlocked events come back
as version 2, with the kind the old board read from their reason."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, text

from unitboard.domain.beds.events import BedBlocked
from unitboard.domain.beds.state import Beds
from unitboard.domain.hospital import Hospital, fold
from unitboard.domain.values import BLOCK_LABELS
from unitboard.projections.board import BoardProjection
from unitboard.projections.verify import rebuild_and_verify, views
from unitboard.service.auth import Actor
from unitboard.service.handler import CommandService
from unitboard.store import CredentialStore, EventLog, drop_schema, make_engine, upgrade
from unitboard.store.migrate import alembic_config

FIXTURES = Path(__file__).parents[1] / "fixtures" / "v1"
OLD_LOG = FIXTURES / "unitboard-v1.sqlite"
EXPECTED = json.loads((FIXTURES / "expected-views.json").read_text(encoding="utf-8"))
OLD_COLUMNS = "position, stream_id, version, type, data, metadata, recorded_at"
NEWER = {"updated_at"}
"""What the old release showed that now reads differently, on purpose: a unit's last change
now counts every unit an event touches (the receiving unit of a transfer, say)."""


def old_rows(table: str, columns: str) -> list[tuple[Any, ...]]:
    connection = sqlite3.connect(OLD_LOG)
    try:
        return connection.execute(f"SELECT {columns} FROM {table}").fetchall()
    finally:
        connection.close()


def as_unitboard_01_left_it(engine: Engine) -> None:
    """The fixture's rows in a database with the schema of that release (revision 0001,
    with no alembic_version: the release kept settings.schema_version = "1")."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0001")
        connection.execute(text("DROP TABLE alembic_version"))
        connection.execute(text("INSERT INTO settings VALUES ('schema_version', '1')"))
        insert = f"INSERT INTO events ({OLD_COLUMNS}) VALUES (:0, :1, :2, :3, :4, :5, :6)"
        rows = [
            dict(zip(map(str, range(7)), row, strict=True))
            for row in old_rows("events", OLD_COLUMNS)
        ]
        connection.execute(text(insert), rows)


@pytest.fixture
def old_database(database_url: str, tmp_path: Path) -> Iterator[Engine]:
    """The old hospital's database, upgraded by `unitboard db upgrade`'s function."""
    if database_url.startswith("sqlite"):
        copy = tmp_path / "old.sqlite"
        shutil.copyfile(OLD_LOG, copy)
        engine = make_engine(f"sqlite:///{copy}")
    else:
        engine = make_engine(database_url)
        as_unitboard_01_left_it(engine)
    try:
        assert str(upgrade(engine)) == "upgraded from 0001 to 0005 (head)"
        yield engine
    finally:
        drop_schema(engine)
        engine.dispose()


def contains(shown: Any, expected: Any, where: str = "") -> list[str]:
    """Where `shown` lacks or differs from what `expected` shows (new keys may be added)."""
    if isinstance(expected, dict):
        if not isinstance(shown, dict):
            return [f"{where}: {shown!r} is not an object"]
        return [
            problem
            for key, value in expected.items()
            if key not in NEWER
            for problem in (
                contains(shown[key], value, f"{where}.{key}")
                if key in shown
                else [f"{where}.{key}: missing"]
            )
        ]
    if isinstance(expected, list):
        if not isinstance(shown, list) or len(shown) != len(expected):
            return [f"{where}: {shown!r} is not {expected!r}"]
        return [
            p
            for i, pair in enumerate(zip(shown, expected, strict=True))
            for p in contains(*pair, f"{where}[{i}]")
        ]
    return [] if shown == expected else [f"{where}: {shown!r}, was {expected!r}"]


def as_the_old_release_counted(boards: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """The boards without the transfers coming in (the old release queued and counted new
    admissions only; a unit now counts everyone waiting for a bed there), and how many."""
    incoming = 0
    for board in boards.values():
        arriving = [s for s in board["pending_admissions"] if s.get("transfer_to_unit_id")]
        incoming += len(arriving)
        board["pending_admissions"] = [s for s in board["pending_admissions"] if s not in arriving]
        board["census"]["pending_admissions"] -= len(arriving)
    return boards, incoming


def test_the_old_log_replays_to_the_boards_it_showed(old_database: Engine) -> None:
    log = EventLog(old_database)
    try:
        projection = BoardProjection()
        for batch in log.replay_from(0):
            projection.apply(batch)
    finally:
        log.close()
    shown = views(projection)
    assert projection.position == EXPECTED["position"] == 606
    assert shown["evs"] == EXPECTED["evs"]
    boards, incoming = as_the_old_release_counted(shown["boards"])
    assert incoming == 3  # 4W -> 5E, 5E -> 4W, ICU -> 3N: each waits in its new unit's queue
    assert contains(boards, EXPECTED["boards"], "boards") == []
    walls, _ = as_the_old_release_counted(shown["walls"])
    differences = contains(walls, EXPECTED["walls"], "walls")
    # The one change on purpose: a wall shows a block's kind, never the reason as typed
    # (free text can name a patient).
    assert differences and all(".blocked.reason: " in d for d in differences)
    for wall in shown["walls"].values():
        for bed in wall["beds"]:
            if bed["blocked"]:
                assert bed["blocked"]["reason"] == BLOCK_LABELS[bed["blocked"]["kind"]]


def test_old_blocks_come_back_as_version_2_with_their_kind(old_database: Engine) -> None:
    log = EventLog(old_database)
    try:
        blocks = [e for e in log.read(0, 1000) if e.type == "BedBlocked"]
    finally:
        log.close()
    assert len(blocks) == 7
    kinds = {block.event.reason: block.event.kind for block in blocks}  # type: ignore[attr-defined]
    assert kinds == {
        "Isolation - C. diff terminal clean": "isolation",
        "isolation room held": "isolation",
        "ISOLATION (MRSA)": "isolation",
        "Maintenance: call bell broken": "maintenance",
        "staffing": "staffing",
    }
    assert all(isinstance(block.event, BedBlocked) for block in blocks)
    until = {b.event.reason: b.event.until for b in blocks if b.event.until}  # type: ignore[attr-defined]
    assert until["ISOLATION (MRSA)"].isoformat() == "2026-12-01T06:30:00.250000-05:00"


def test_new_events_follow_the_old_ones_and_every_rebuild_agrees(old_database: Engine) -> None:
    log = EventLog(old_database)
    service = CommandService(log, CredentialStore(old_database))
    service.catch_up()
    desk = Actor("desk", "secretary", None, "Desk")
    free = next(b for b in service.state[Beds].beds.values() if b.takes_a_patient)
    service.execute(
        desk, "BlockBed", {"bed_id": free.bed_id, "reason": "Leak", "kind": "maintenance"}
    )
    try:
        with old_database.connect() as connection:
            versions: dict[int, int] = dict(
                connection.execute(
                    text("SELECT position, event_version FROM events WHERE type = 'BedBlocked'")
                ).all()
            )
        assert sorted(versions.values()) == [1] * 7 + [2]
        report = rebuild_and_verify(log)
        assert report.ok and report.events == 607, report.summary
        again = fold(Hospital(), [e for batch in log.replay_from(0) for e in batch])
        assert again == service.state
    finally:
        log.close()
