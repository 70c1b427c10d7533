"""What the desk, the charge nurse, a nurse or the EHR ask of a stay."""

from __future__ import annotations

import datetime as dt

from pydantic import AwareDatetime

from unitboard.domain.commands import Command, Id, Name, Reason
from unitboard.domain.values import Isolation, Sex, Source


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
