"""Commands: what a person or a system asks unitboard to do. Validated before they reach
`decide`: unknown fields, wrong types and impossible dates never get that far."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, StringConstraints

Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Sex = Literal["F", "M", "X", "U"]
Isolation = Literal["none", "contact", "droplet", "airborne"]
Source = Literal["ed", "direct", "or", "transfer"]


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class RequestAdmission(Command):
    encounter_id: Id
    mrn: Id
    family_name: Name
    given_name: Name
    birth_date: dt.date
    sex: Sex
    unit_id: Id
    source: Source
    attending: Name
    isolation: Isolation = "none"
    fall_risk: bool = False
    confidential: bool = False


class AssignBed(Command):
    encounter_id: Id
    bed_id: Id


class MarkArrived(Command):
    encounter_id: Id


class MovePatient(Command):
    encounter_id: Id
    bed_id: Id


class SwapBeds(Command):
    encounter_id: Id
    other_encounter_id: Id


class RequestTransfer(Command):
    encounter_id: Id
    to_unit_id: Id
    reason: Reason


class OrderDischarge(Command):
    encounter_id: Id
    expected_at: AwareDatetime | None = None


class DischargePatient(Command):
    encounter_id: Id


class CancelAdmission(Command):
    encounter_id: Id
    reason: Reason


class CancelTransfer(Command):
    encounter_id: Id
    reason: Reason


class CancelDischarge(Command):
    encounter_id: Id
    reason: Reason


class UpdatePatient(Command):
    encounter_id: Id
    attending: Name | None = None
    isolation: Isolation | None = None
    fall_risk: bool | None = None
    confidential: bool | None = None
    expected_discharge: AwareDatetime | None = None
    family_name: Name | None = None
    given_name: Name | None = None
    sex: Sex | None = None
    birth_date: dt.date | None = None


class AssignNurse(Command):
    encounter_id: Id
    nurse: Id


class MarkBedDirty(Command):
    bed_id: Id
    priority: Literal["stat", "clean_next"] | None = None


class StartCleaning(Command):
    bed_id: Id


class MarkBedClean(Command):
    bed_id: Id


class BlockBed(Command):
    bed_id: Id
    reason: Reason
    until: AwareDatetime | None = None


class UnblockBed(Command):
    bed_id: Id


BED_AND_STAY_COMMANDS: dict[str, type[Command]] = {
    cls.__name__: cls
    for cls in (
        RequestAdmission,
        AssignBed,
        MarkArrived,
        MovePatient,
        SwapBeds,
        RequestTransfer,
        OrderDischarge,
        DischargePatient,
        CancelAdmission,
        CancelTransfer,
        CancelDischarge,
        UpdatePatient,
        AssignNurse,
        MarkBedDirty,
        StartCleaning,
        MarkBedClean,
        BlockBed,
        UnblockBed,
    )
}
