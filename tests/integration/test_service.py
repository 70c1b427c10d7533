"""The command service against a real log: who did it, role checks, nurse assignment."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from hospital import LAYOUT, admission
from unitboard.domain.errors import NotFound, RuleViolation
from unitboard.service.auth import Actor, add_user
from unitboard.service.errors import Forbidden, InputError
from unitboard.service.handler import CommandService
from unitboard.store import EventLog
from unitboard.store.credentials import CredentialStore

DESK = Actor("sam", "secretary", None, "Sam")
CHARGE = Actor("casey", "charge_nurse", None, "Casey")
ADMISSION = admission("E1", mrn="M1")


@pytest.fixture
def service(engine: Engine) -> CommandService:
    credentials = CredentialStore(engine)
    add_user(credentials, "noor", "a-long-password", "nurse", "Noor Nurse")
    add_user(credentials, "theo", "a-long-password", "transport", "Theo Transport")
    service = CommandService(EventLog(engine), credentials)
    service.load_layout(Actor("admin", "admin"), LAYOUT)
    service.execute(DESK, "RequestAdmission", ADMISSION)
    return service


def test_every_event_records_who_in_which_role_when_and_why(service: CommandService) -> None:
    appended = service.execute(
        DESK, "AssignBed", {"encounter_id": "E1", "bed_id": "4W-401-A"}, None, "corr-42"
    )
    metadata = appended.events[0].metadata
    assert metadata["actor"] == "sam" and metadata["role"] == "secretary"
    assert metadata["correlation_id"] == "corr-42" and metadata["command"] == "AssignBed"
    assert metadata["time"].endswith("+00:00")


def test_only_a_charge_nurse_assigns_nurses_and_only_to_nurses(service: CommandService) -> None:
    head = service.log.head()
    with pytest.raises(Forbidden, match="secretary role may not use AssignNurse"):
        service.execute(DESK, "AssignNurse", {"encounter_id": "E1", "nurse": "noor"})
    with pytest.raises(RuleViolation, match="Theo Transport .theo. is not a nurse"):
        service.execute(CHARGE, "AssignNurse", {"encounter_id": "E1", "nurse": "theo"})
    with pytest.raises(NotFound, match="no active user 'nobody'"):
        service.execute(CHARGE, "AssignNurse", {"encounter_id": "E1", "nurse": "nobody"})
    assert service.log.head() == head
    appended = service.execute(CHARGE, "AssignNurse", {"encounter_id": "E1", "nurse": "noor"})
    assert appended.events[0].data == {
        "encounter_id": "E1",
        "nurse": "noor",
        "nurse_name": "Noor Nurse",  # the board shows a name, as it was when assigned
    }


def test_a_malformed_command_is_described_and_records_nothing(service: CommandService) -> None:
    head = service.log.head()
    with pytest.raises(InputError, match="birth_date must be a real date"):
        service.execute(DESK, "RequestAdmission", ADMISSION | {"birth_date": "2025-02-30"})
    with pytest.raises(InputError, match="colour is not a field of this command"):
        service.execute(DESK, "MarkBedDirty", {"bed_id": "4W-401-A", "colour": "red"})
    with pytest.raises(InputError, match="There is no command 'Teleport'"):
        service.execute(DESK, "Teleport", {})
    assert service.log.head() == head


def test_a_refusal_is_decided_on_the_log_as_it_is_not_on_a_stale_board(
    service: CommandService, engine: Engine
) -> None:
    """Another process (`unitboard layout load`, a second server) adds a room; this one has
    not heard yet. Assigning a bed in that room is not refused as "no such bed"."""
    elsewhere = CommandService(EventLog(engine), service.credentials)
    elsewhere.catch_up()
    grown = LAYOUT.replace(
        '[[unit.room]]\nid = "402"',
        '[[unit.room]]\nid = "417"\nbeds = ["A"]\n\n[[unit.room]]\nid = "402"',
        1,
    )
    assert elsewhere.load_layout(Actor("admin", "admin"), grown).events
    appended = service.execute(DESK, "AssignBed", {"encounter_id": "E1", "bed_id": "4W-417-A"})
    assert [e.type for e in appended.events] == ["BedAssigned"]
    with pytest.raises(NotFound):  # a bed no process knows is still refused
        service.execute(DESK, "AssignBed", {"encounter_id": "E1", "bed_id": "4W-499-A"})


def test_a_units_token_acts_on_its_unit_only(service: CommandService) -> None:
    ward = Actor("4w-desk-pc", "secretary", "4W", token_id=7)
    icu = Actor("icu-desk-pc", "secretary", "ICU", token_id=8)
    head = service.log.head()
    with pytest.raises(Forbidden, match="token is for unit ICU; bed 4W-401-A is on 4W"):
        service.execute(icu, "AssignBed", {"encounter_id": "E1", "bed_id": "4W-401-A"})
    with pytest.raises(Forbidden, match="token is for unit ICU; bed 4W-402-A is on 4W"):
        service.execute(icu, "BlockBed", {"bed_id": "4W-402-A", "reason": "maintenance"})
    with pytest.raises(Forbidden, match="token is for unit 4W; unit ICU is on ICU"):
        service.execute(ward, "RequestAdmission", {**admission("E9", mrn="M9"), "unit_id": "ICU"})
    assert service.log.head() == head
    service.execute(ward, "AssignBed", {"encounter_id": "E1", "bed_id": "4W-401-A"})
    service.execute(ward, "MarkArrived", {"encounter_id": "E1"})
    # A transfer out is the sending unit's; the bed for it the receiving unit's.
    service.execute(
        ward, "RequestTransfer", {"encounter_id": "E1", "to_unit_id": "ICU", "reason": "step up"}
    )
    with pytest.raises(Forbidden, match="bed ICU-1-A is on ICU"):
        service.execute(ward, "AssignBed", {"encounter_id": "E1", "bed_id": "ICU-1-A"})
    service.execute(icu, "AssignBed", {"encounter_id": "E1", "bed_id": "ICU-1-A"})
    # A person is not held to their unit: the secretary covers the next unit at night.
    service.execute(DESK, "BlockBed", {"bed_id": "ICU-2-A", "reason": "maintenance"})
