"""The stays part of the hospital: every stay ever recorded, and the open ones."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from unitboard.domain.errors import NotFound
from unitboard.domain.values import ISOLATING, Isolation, Sex, Source

StayStatus = Literal["pending", "admitted", "discharged", "cancelled"]


@dataclass(slots=True)
class Stay:
    encounter_id: str
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
    status: StayStatus = "pending"
    bed_id: str | None = None
    reserved_bed_id: str | None = None
    nurse: str | None = None
    nurse_name: str | None = None
    expected_discharge: dt.datetime | None = None
    discharge_ordered: bool = False
    transfer_to_unit_id: str | None = None
    transfer_reason: str | None = None
    last_bed_id: str | None = None
    requested_at: str | None = None

    @property
    def active(self) -> bool:
        return self.status in ("pending", "admitted")

    @property
    def isolated(self) -> bool:
        return self.isolation in ISOLATING

    @property
    def display_name(self) -> str:
        return f"{self.family_name}, {self.given_name}"


@dataclass(slots=True)
class Stays:
    stays: dict[str, Stay] = field(default_factory=dict)
    open_stays: dict[str, Stay] = field(default_factory=dict)
    """The stays still pending or admitted: what the rules and the board look at. `stays`
    keeps every stay ever (a discharge can be cancelled), so it only grows; this stays
    hospital-sized."""

    def stay(self, encounter_id: str) -> Stay:
        try:
            return self.stays[encounter_id]
        except KeyError:
            raise NotFound(f"There is no stay with encounter id {encounter_id!r}.") from None

    def track(self, stay: Stay) -> None:
        if stay.active:
            self.open_stays[stay.encounter_id] = stay
        else:
            self.open_stays.pop(stay.encounter_id, None)
