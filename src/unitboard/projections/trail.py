"""What the board remembers beyond the hospital's state: when each transfer was asked for
and to which unit (the receiving unit's queue says how long the patient has waited, and an
event that ends a transfer still reaches the unit it was going to), and which stays held
each bed (a bed's history reads their streams)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from unitboard.domain.events import Event
from unitboard.domain.hospital import Hospital
from unitboard.domain.registry import Registry
from unitboard.domain.stays import events as e
from unitboard.domain.stays.state import Stays
from unitboard.projections.routing import Router

STAYS_PER_BED = 20
"""The last stays a bed's history looks at (a bed sees a few patients a week)."""


class Trail:
    def __init__(self) -> None:
        self.transfer_to: dict[str, str] = {}
        """Encounter -> the unit its pending transfer goes to."""
        self.transfer_since: dict[str, str] = {}
        """Encounter -> when its pending transfer was asked for."""
        self.ended: dict[str, str] = {}
        """Transfers ended by the last batch (encounter -> unit): routed once more."""
        self.bed_stays: dict[str, dict[str, None]] = {}
        """Bed -> the encounters that held or reserved it (an ordered set, the latest last)."""
        self.watch: dict[type[Event], Callable[[Hospital, Any, str], None]] = {
            e.TransferRequested: self._transfer,
            e.BedAssigned: self._took_bed,
            e.PatientArrived: self._arrived,
            e.PatientMoved: self._arrived,
            e.DischargeCancelled: self._took_bed,
            e.BedsSwapped: self._swapped,
            e.TransferCancelled: self._left,
            e.PatientDischarged: self._left,
            e.AdmissionCancelled: self._left,
        }
        """What to note after folding an event of these types (a replay folds millions of
        events: every other type costs one lookup)."""

    def new_batch(self) -> None:
        self.ended.clear()

    def units(self, event: Event) -> list[str]:
        """The receiving units of the transfers this event's stays are on (or just ended)."""
        found = []
        for field in STAY_FIELDS.get(type(event), ()):
            encounter = getattr(event, field)
            unit = self.transfer_to.get(encounter) or self.ended.get(encounter)
            if unit is not None:
                found.append(unit)
        return found

    def _transfer(self, state: Hospital, event: e.TransferRequested, at: str) -> None:
        self.transfer_to[event.encounter_id] = event.to_unit_id
        self.transfer_since[event.encounter_id] = at

    def _took_bed(self, state: Hospital, event: Any, at: str) -> None:
        self._held(event.bed_id, event.encounter_id)

    def _arrived(self, state: Hospital, event: Any, at: str) -> None:
        self._held(event.bed_id, event.encounter_id)
        self._left(state, event, at)

    def _swapped(self, state: Hospital, event: e.BedsSwapped, at: str) -> None:
        self._held(event.bed_id, event.encounter_id)
        self._held(event.other_bed_id, event.other_encounter_id)

    def _left(self, state: Hospital, event: Any, at: str) -> None:
        """A transfer that this event ended (done, cancelled, or the patient gone)."""
        encounter = event.encounter_id
        if encounter in self.transfer_to:
            stay = state[Stays].stays.get(encounter)
            if stay is None or stay.transfer_to_unit_id is None:
                self.ended[encounter] = self.transfer_to.pop(encounter)
                self.transfer_since.pop(encounter, None)

    def _held(self, bed_id: str, encounter_id: str) -> None:
        stays = self.bed_stays.get(bed_id)
        if stays is None:
            stays = self.bed_stays[bed_id] = {}
        stays.pop(encounter_id, None)
        stays[encounter_id] = None
        if len(stays) > 2 * STAYS_PER_BED:  # trimmed now and then, not at every stay
            for old in list(stays)[:-STAYS_PER_BED]:
                del stays[old]


STAY_FIELDS: dict[type[Event], tuple[str, ...]] = {
    event_type: event_type.TOUCHES.get("stay", ()) for event_type in e.EVENTS
}


class TransferRouter(Router):
    """The units an event touches, and the unit a transfer of its stay goes to: the
    receiving unit's queue and counts show the incoming patient, so they change with it."""

    def __init__(self, registry: Registry, trail: Trail) -> None:
        super().__init__(registry)
        self.trail = trail

    def units(self, state: Hospital, event: Event) -> list[str]:
        units = Router.units(self, state, event)
        trail = self.trail
        if (trail.transfer_to or trail.ended) and type(event) in STAY_FIELDS:
            units.extend(trail.units(event))
        return units
