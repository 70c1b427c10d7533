"""When each stay was where: the time the patient arrived in each bed and left it, and the
stay's own period (first arrival to discharge or cancellation). The hospital's state keeps
only where a patient is now; the FHIR Encounter tells other systems since when, so the
times are noted as each event is folded (a rebuild from the log comes out the same)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from unitboard.domain.events import Event
from unitboard.domain.hospital import Hospital
from unitboard.domain.stays import events as e

SPELLS_PER_STAY = 50
"""The latest beds a stay remembers (a long stay moves a handful of times)."""

Noted = Callable[[Hospital, Any, str], None]


@dataclass(slots=True)
class Spell:
    """A patient in one bed: from arrival (`start`) until they left it (`end`, None while
    they are still there). Times are as the log records them (ISO 8601); None if unknown."""

    bed_id: str
    unit_id: str
    start: str | None
    end: str | None = None


@dataclass(slots=True)
class StayPeriod:
    start: str | None = None
    """The first arrival in a bed."""
    end: str | None = None
    """Discharged or cancelled (None again if the discharge is cancelled)."""
    spells: list[Spell] = field(default_factory=list)

    @property
    def current(self) -> Spell | None:
        if self.spells and self.spells[-1].end is None:
            return self.spells[-1]
        return None


class StayPeriods:
    """Encounter id -> its period and beds. One entry per stay ever, as the stays part.

    And an index for searches by place: each unit and bed -> the stays ever asked for,
    kept, held or sent there, in the order the stays were asked for (a superset of the
    stays a search by place finds: a search checks each against the stay itself, and reads
    a few stays per bed instead of every stay of the hospital's history)."""

    def __init__(self) -> None:
        self.periods: dict[str, StayPeriod] = {}
        self.places: dict[str, dict[str, None]] = {}
        """Unit or bed id -> the encounters ever there (an ordered set)."""
        self.order: dict[str, int] = {}
        """Encounter id -> its rank in the order the stays were asked for."""
        self.watch: dict[type[Event], Noted] = {
            e.AdmissionRequested: self._requested,
            e.BedAssigned: self._assigned,
            e.TransferRequested: self._transfer,
            e.PatientArrived: self._arrived,
            e.PatientMoved: self._arrived,
            e.BedsSwapped: self._swapped,
            e.PatientDischarged: self._left,
            e.AdmissionCancelled: self._left,
            e.DischargeCancelled: self._returned,
        }

    def of(self, encounter_id: str) -> StayPeriod:
        return self.periods.get(encounter_id) or StayPeriod()

    def ever_at(self, place_ids: Iterable[str]) -> list[str]:
        """The encounters ever at any of these units or beds, in the order asked for."""
        found = {encounter for place in place_ids for encounter in self.places.get(place, ())}
        order = self.order
        return sorted(found, key=lambda encounter: order.get(encounter, 0))

    def join(self, watch: dict[type[Event], Noted]) -> None:
        """Add these notes to a projection's `watch`, after any it has for the same type."""
        for event_type, noted in self.watch.items():
            before = watch.get(event_type)
            watch[event_type] = noted if before is None else _both(before, noted)

    def _requested(self, state: Hospital, event: e.AdmissionRequested, at: str) -> None:
        self.order.setdefault(event.encounter_id, len(self.order))
        self._note(event.unit_id, event.encounter_id)

    def _assigned(self, state: Hospital, event: e.BedAssigned, at: str) -> None:
        self._note(event.unit_id, event.encounter_id)
        self._note(event.bed_id, event.encounter_id)

    def _transfer(self, state: Hospital, event: e.TransferRequested, at: str) -> None:
        self._note(event.to_unit_id, event.encounter_id)

    def _note(self, place_id: str, encounter_id: str) -> None:
        there = self.places.get(place_id)
        if there is None:
            there = self.places[place_id] = {}
        there[encounter_id] = None

    def _arrived(self, state: Hospital, event: Any, at: str) -> None:
        self._enter(event.encounter_id, event.bed_id, event.unit_id, at or None)

    def _swapped(self, state: Hospital, event: e.BedsSwapped, at: str) -> None:
        self._enter(event.encounter_id, event.bed_id, event.unit_id, at or None)
        self._enter(event.other_encounter_id, event.other_bed_id, event.other_unit_id, at or None)

    def _left(self, state: Hospital, event: Any, at: str) -> None:
        period = self.periods.get(event.encounter_id)
        if period is None:  # cancelled before any arrival: nothing was noted
            return
        if (spell := period.current) is not None:
            spell.end = at or None
        period.end = at or None

    def _returned(self, state: Hospital, event: e.DischargeCancelled, at: str) -> None:
        """The discharge did not happen: the patient never left, so the last bed is theirs
        again from its first arrival (or from now, if they come back to another bed)."""
        period = self.periods.setdefault(event.encounter_id, StayPeriod(start=at or None))
        period.end = None
        last = period.spells[-1] if period.spells else None
        if last is not None and last.bed_id == event.bed_id:
            last.end = None
        else:
            self._enter(event.encounter_id, event.bed_id, event.unit_id, at or None)

    def _enter(self, encounter_id: str, bed_id: str, unit_id: str, at: str | None) -> None:
        period = self.periods.get(encounter_id)
        if period is None:
            period = self.periods[encounter_id] = StayPeriod(start=at)
        if (spell := period.current) is not None:
            if spell.bed_id == bed_id:
                return
            spell.end = at
        period.spells.append(Spell(bed_id, unit_id, at))
        self._note(unit_id, encounter_id)
        self._note(bed_id, encounter_id)
        if len(period.spells) > SPELLS_PER_STAY:
            del period.spells[0]


def _both(first: Noted, second: Noted) -> Noted:
    def noted(state: Hospital, event: Any, at: str) -> None:
        first(state, event, at)
        second(state, event, at)

    return noted
