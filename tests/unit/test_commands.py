"""Commands are validated before they reach `decide`: unknown fields, wrong types, impossible
dates and times without an offset never get that far."""

from __future__ import annotations

import datetime as dt
from typing import Any

import all_commands as c
import pytest
from pydantic import ValidationError

from hospital import admission

ADMISSION: dict[str, Any] = admission("E1", mrn="M1")


def refused(command: type[c.Command], data: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        command.model_validate(data)
    locations = [error["loc"][0] for error in caught.value.errors()]
    assert field in locations, caught.value


def test_a_well_formed_admission_is_read_with_its_defaults() -> None:
    command = c.RequestAdmission.model_validate(ADMISSION)
    assert command.birth_date == dt.date(1950, 4, 2)
    assert (command.isolation, command.fall_risk, command.confidential) == ("none", False, False)


def test_ids_and_names_are_stripped_of_surrounding_spaces() -> None:
    command = c.RequestAdmission.model_validate({**ADMISSION, "encounter_id": "  E1 "})
    assert command.encounter_id == "E1"


@pytest.mark.parametrize(
    "command,data,field",
    [
        (c.RequestAdmission, {**ADMISSION, "diagnosis": "flu"}, "diagnosis"),
        (c.AssignBed, {"encounter_id": "E1", "bed_id": "4W-401-A", "priority": "stat"}, "priority"),
        (c.UpdatePatient, {"encounter_id": "E1", "mrn": "M2"}, "mrn"),
        (c.BlockBed, {"bed_id": "4W-401-A", "reason": "x", "by": "me"}, "by"),
    ],
    ids=["admission", "assign", "update-mrn", "block"],
)
def test_unknown_fields_are_refused(
    command: type[c.Command], data: dict[str, Any], field: str
) -> None:
    refused(command, data, field)


@pytest.mark.parametrize(
    "command,data,field",
    [
        (c.AssignBed, {"encounter_id": "E1", "bed_id": 401}, "bed_id"),
        (c.AssignBed, {"encounter_id": ["E1"], "bed_id": "4W-401-A"}, "encounter_id"),
        (c.RequestAdmission, {**ADMISSION, "fall_risk": "maybe"}, "fall_risk"),
        (c.RequestAdmission, {**ADMISSION, "sex": "female"}, "sex"),
        (c.RequestAdmission, {**ADMISSION, "isolation": "reverse"}, "isolation"),
        (c.RequestAdmission, {**ADMISSION, "source": "helicopter"}, "source"),
        (c.RequestAdmission, {**ADMISSION, "birth_date": 19500402}, "birth_date"),
        (c.MarkBedDirty, {"bed_id": "4W-401-A", "priority": "urgent"}, "priority"),
        (c.UpdatePatient, {"encounter_id": "E1", "confidential": "sometimes"}, "confidential"),
    ],
)
def test_wrong_types_and_values_are_refused(
    command: type[c.Command], data: dict[str, Any], field: str
) -> None:
    refused(command, data, field)


@pytest.mark.parametrize(
    "command,data,field",
    [
        (c.RequestAdmission, {k: v for k, v in ADMISSION.items() if k != "mrn"}, "mrn"),
        (c.RequestAdmission, {**ADMISSION, "encounter_id": "   "}, "encounter_id"),
        (c.RequestAdmission, {**ADMISSION, "family_name": ""}, "family_name"),
        (c.AssignBed, {"encounter_id": "E1", "bed_id": "B" * 65}, "bed_id"),
        (c.CancelAdmission, {"encounter_id": "E1", "reason": ""}, "reason"),
        (c.BlockBed, {"bed_id": "4W-401-A", "reason": "x" * 501}, "reason"),
    ],
    ids=["missing", "blank-id", "empty-name", "long-id", "empty-reason", "long-reason"],
)
def test_missing_empty_and_overlong_values_are_refused(
    command: type[c.Command], data: dict[str, Any], field: str
) -> None:
    refused(command, data, field)


@pytest.mark.parametrize("date", ["2025-02-30", "2024-13-01", "1950-4-2", "yesterday"])
def test_impossible_dates_are_refused(date: str) -> None:
    refused(c.RequestAdmission, {**ADMISSION, "birth_date": date}, "birth_date")
    refused(c.UpdatePatient, {"encounter_id": "E1", "birth_date": date}, "birth_date")


@pytest.mark.parametrize(
    "command,data,field",
    [
        (
            c.OrderDischarge,
            {"encounter_id": "E1", "expected_at": "2025-03-02T11:00:00"},
            "expected_at",
        ),
        (c.BlockBed, {"bed_id": "4W-401-A", "reason": "x", "until": "2025-03-02T11:00"}, "until"),
        (
            c.UpdatePatient,
            {"encounter_id": "E1", "expected_discharge": dt.datetime(2025, 3, 2, 11)},
            "expected_discharge",
        ),
        (
            c.OrderDischarge,
            {"encounter_id": "E1", "expected_at": "2025-02-30T11:00:00Z"},
            "expected_at",
        ),
    ],
    ids=["naive-order", "naive-block", "naive-update", "impossible-time"],
)
def test_times_without_an_offset_or_impossible_are_refused(
    command: type[c.Command], data: dict[str, Any], field: str
) -> None:
    refused(command, data, field)


def test_times_with_an_offset_are_read() -> None:
    command = c.OrderDischarge.model_validate(
        {"encounter_id": "E1", "expected_at": "2025-03-02T11:00:00-05:00"}
    )
    assert command.expected_at == dt.datetime(2025, 3, 2, 16, 0, tzinfo=dt.UTC)
    assert command.expected_at is not None and command.expected_at.utcoffset() is not None


def test_commands_are_frozen() -> None:
    command = c.MarkArrived(encounter_id="E1")
    with pytest.raises(ValidationError):
        command.encounter_id = "E2"


def test_a_time_that_is_not_a_time_is_explained_as_a_time_not_a_date() -> None:
    from unitboard.service.validation import describe

    with pytest.raises(ValidationError) as caught:
        c.OrderDischarge.model_validate({"encounter_id": "E1", "expected_at": "tomorrow"})
    assert describe(caught.value) == (
        "expected_at must be a time with its UTC offset, e.g. 2026-05-01T14:30:00+02:00."
    )
    with pytest.raises(ValidationError) as caught:
        c.RequestAdmission.model_validate({**ADMISSION, "birth_date": "1950-02-30"})
    assert describe(caught.value) == "birth_date must be a real date written YYYY-MM-DD."
