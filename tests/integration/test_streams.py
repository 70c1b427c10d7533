"""Reading the log by stream (a bed's or a stay's history), on SQLite and on PostgreSQL: only
the streams asked for, in log order, the latest `limit` of them, with who did each."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from store_events import STORE_TESTS, admitted, bed_event
from unitboard.store import EventLog
from unitboard.store.streams import read_streams


@pytest.fixture
def log(engine: Engine) -> Iterator[EventLog]:
    log = EventLog(engine, STORE_TESTS)
    yield log
    log.close()


def test_reads_only_the_streams_asked_for_in_log_order(log: EventLog) -> None:
    log.append([bed_event("4W-401-A", "dirty")], metadata={"actor": "evs"})
    log.append([admitted("E1"), bed_event("4W-402-A")], metadata={"actor": "secretary"})
    log.append([bed_event("4W-401-A", "clean")], metadata={"actor": "evs2"})
    log.append([admitted("E2")], metadata={"actor": "secretary"})

    read = read_streams(log, ["bed-4W-401-A", "stay-E1"], limit=10)
    assert [(e.stream_id, e.metadata["actor"]) for e in read] == [
        ("bed-4W-401-A", "evs"),
        ("stay-E1", "secretary"),
        ("bed-4W-401-A", "evs2"),
    ]
    assert [e.position for e in read] == sorted(e.position for e in read)


def test_keeps_the_latest_when_there_are_more(log: EventLog) -> None:
    for n in range(7):
        log.append([bed_event("4W-401-A", f"s{n}")], metadata={"actor": "evs"})
    read = read_streams(log, ["bed-4W-401-A"], limit=3)
    assert [e.event.status for e in read] == ["s4", "s5", "s6"]  # type: ignore[attr-defined]
    assert read_streams(log, [], limit=3) == []
    assert read_streams(log, ["bed-nowhere"], limit=3) == []
