"""Housekeeping through the command service against a real log, on SQLite and PostgreSQL:
the cleaner's name is read from the users table and recorded, a terminal clean and an
undone clean are stored and read back, a refused undo records nothing, and the board
replayed from the log at start-up (without metadata) says who is cleaning, as the live one
does."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from hospital import LAYOUT, admission
from unitboard.domain.errors import RuleViolation
from unitboard.projections.board import BoardProjection
from unitboard.projections.verify import rebuild_and_verify, views
from unitboard.service.auth import Actor, add_user
from unitboard.service.handler import CommandService
from unitboard.store import EventLog
from unitboard.store.credentials import CredentialStore

DESK = Actor("sam", "secretary", None, "Sam")
EVA = Actor("eva", "evs", None, "Eva Housekeeping")
ROOM = "4W-402-A"  # private: a patient on contact precautions may lie there


@pytest.fixture
def service(engine: Engine) -> CommandService:
    credentials = CredentialStore(engine)
    add_user(credentials, "eva", "a-long-password", "evs", "Eva Housekeeping")
    service = CommandService(EventLog(engine), credentials)
    service.load_layout(Actor("admin", "admin"), LAYOUT)
    return service


def test_cleaning_terminal_and_undo_are_recorded_and_replay_alike(service: CommandService) -> None:
    live = BoardProjection()
    live.apply(service.log.read(after=0, limit=1000))  # the layout, then every append
    service.subscribe(live.apply)
    service.execute(DESK, "RequestAdmission", admission("E1", isolation="contact"))
    service.execute(DESK, "AssignBed", {"encounter_id": "E1", "bed_id": ROOM})
    service.execute(DESK, "MarkArrived", {"encounter_id": "E1"})
    left = service.execute(DESK, "DischargePatient", {"encounter_id": "E1"})
    assert left.events[-1].data == {
        "bed_id": ROOM,
        "reason": "vacated",
        "priority": None,
        "terminal": True,
    }
    started = service.execute(EVA, "StartCleaning", {"bed_id": ROOM})
    assert started.events[0].data == {"bed_id": ROOM, "by": "Eva Housekeeping"}
    service.execute(EVA, "MarkBedClean", {"bed_id": ROOM})
    undone = service.execute(EVA, "UndoBedClean", {"bed_id": ROOM, "reason": "sink not done"})
    assert undone.events[0].type == "BedCleanUndone"
    assert undone.events[0].metadata["actor"] == "eva"
    service.execute(EVA, "StartCleaning", {"bed_id": ROOM})

    log = service.log
    stored = {e.position: e.event for e in log.read(after=0, limit=1000)}
    for written in (*left.events, *started.events, *undone.events):
        assert stored[written.position] == written.event  # read back as written
    replayed = BoardProjection()
    for batch in log.replay_from(0):  # as at start-up: no metadata
        replayed.apply(batch)
    assert views(replayed) == views(live)
    shown = {b["bed_id"]: b for b in replayed.unit_board("4W")["beds"]}[ROOM]
    assert (shown["terminal"], shown["cleaning"]["by"]) == (True, "Eva Housekeeping")
    report = rebuild_and_verify(log)
    assert report.ok, report.summary


def test_a_refused_undo_records_nothing(service: CommandService) -> None:
    service.execute(DESK, "RequestAdmission", admission("E1"))
    service.execute(DESK, "AssignBed", {"encounter_id": "E1", "bed_id": ROOM})
    service.execute(DESK, "MarkArrived", {"encounter_id": "E1"})
    head = service.log.head()
    with pytest.raises(RuleViolation, match="has a patient in it now"):
        service.execute(EVA, "UndoBedClean", {"bed_id": ROOM})
    assert service.log.head() == head
