"""What happened in a stay: admission, bed assignment, arrival, moves, swaps, transfers,
discharge, their corrections, and updates to the patient."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import ClassVar

import msgspec

from unitboard.domain.events import StayEvent
from unitboard.domain.values import Isolation, Sex, Source


class AdmissionRequested(StayEvent, frozen=True, kw_only=True):
    TOUCHES: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "stay": ("encounter_id",),
        "unit": ("unit_id",),
    }
    mrn: str
    family_name: str
    given_name: str
    birth_date: dt.date
    sex: Sex
    unit_id: str
    source: Source
    attending: str
    isolation: Isolation = "none"
    fall_risk: bool = False
    confidential: bool = False


class BedAssigned(StayEvent, frozen=True, kw_only=True):
    """A bed reserved for a pending admission or a transfer; `released_bed_id`: the bed
    reserved before, given back."""

    TOUCHES: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "stay": ("encounter_id",),
        "bed": ("bed_id", "released_bed_id"),
        "unit": ("unit_id",),
    }
    bed_id: str
    unit_id: str
    released_bed_id: str | None = None


class PatientArrived(StayEvent, frozen=True, kw_only=True):
    TOUCHES: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "stay": ("encounter_id",),
        "bed": ("bed_id", "from_bed_id"),
        "unit": ("unit_id",),
    }
    bed_id: str
    unit_id: str
    from_bed_id: str | None = None


class PatientMoved(StayEvent, frozen=True, kw_only=True):
    TOUCHES: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "stay": ("encounter_id",),
        "bed": ("from_bed_id", "bed_id", "released_bed_id"),
        "unit": ("unit_id",),
    }
    from_bed_id: str
    bed_id: str
    unit_id: str
    released_bed_id: str | None = None


class BedsSwapped(StayEvent, frozen=True, kw_only=True):
    TOUCHES: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "stay": ("encounter_id", "other_encounter_id"),
        "bed": ("bed_id", "other_bed_id"),
        "unit": ("unit_id", "other_unit_id"),
    }
    bed_id: str
    unit_id: str
    other_encounter_id: str
    other_bed_id: str
    other_unit_id: str


class TransferRequested(StayEvent, frozen=True, kw_only=True):
    TOUCHES: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "stay": ("encounter_id",),
        "unit": ("to_unit_id",),
    }
    to_unit_id: str
    reason: str


class TransferCancelled(StayEvent, frozen=True, kw_only=True):
    TOUCHES: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "stay": ("encounter_id",),
        "bed": ("released_bed_id",),
    }
    reason: str
    released_bed_id: str | None = None


class DischargeOrdered(StayEvent, frozen=True, kw_only=True):
    expected_at: dt.datetime | None = None


class DischargeOrderCancelled(StayEvent, frozen=True, kw_only=True):
    reason: str


class PatientDischarged(StayEvent, frozen=True, kw_only=True):
    TOUCHES: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "stay": ("encounter_id",),
        "bed": ("bed_id", "released_bed_id"),
        "unit": ("unit_id",),
    }
    bed_id: str
    unit_id: str
    released_bed_id: str | None = None


class AdmissionCancelled(StayEvent, frozen=True, kw_only=True):
    TOUCHES: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "stay": ("encounter_id",),
        "bed": ("bed_id", "released_bed_id"),
    }
    reason: str
    bed_id: str | None = None
    released_bed_id: str | None = None


class DischargeCancelled(StayEvent, frozen=True, kw_only=True):
    """The patient is back in the bed they left (which is clean again)."""

    TOUCHES: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "stay": ("encounter_id",),
        "bed": ("bed_id",),
        "unit": ("unit_id",),
    }
    reason: str
    bed_id: str
    unit_id: str


class PatientChanges(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """The facts an update changed; the others are None (and left out when stored)."""

    attending: str | None = None
    isolation: Isolation | None = None
    fall_risk: bool | None = None
    confidential: bool | None = None
    expected_discharge: dt.datetime | None = None
    family_name: str | None = None
    given_name: str | None = None
    sex: Sex | None = None
    birth_date: dt.date | None = None

    def given(self) -> dict[str, object]:
        return {
            name: value
            for name in self.__struct_fields__
            if (value := getattr(self, name)) is not None
        }


class PatientUpdated(StayEvent, frozen=True, kw_only=True):
    changes: PatientChanges


class NurseAssigned(StayEvent, frozen=True, kw_only=True):
    TOUCHES: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "stay": ("encounter_id",),
        "person": ("nurse",),
    }
    nurse: str
    nurse_name: str | None = None


EVENTS = (
    AdmissionRequested,
    BedAssigned,
    PatientArrived,
    PatientMoved,
    BedsSwapped,
    TransferRequested,
    TransferCancelled,
    DischargeOrdered,
    DischargeOrderCancelled,
    PatientDischarged,
    AdmissionCancelled,
    DischargeCancelled,
    PatientUpdated,
    NurseAssigned,
)
