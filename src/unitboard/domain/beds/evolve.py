"""Folding events into the beds part: the beds' own events, the layout adding and removing
beds, and the stays' events that change who holds a bed."""

from __future__ import annotations

from unitboard.domain.beds import events as e
from unitboard.domain.beds.state import Bed, Beds, Block, LastClean
from unitboard.domain.events import Event
from unitboard.domain.layout import events as layout
from unitboard.domain.registry import Evolver
from unitboard.domain.stays import events as s

# -- the layout -----------------------------------------------------------------------------


def bed_added(beds: Beds, event: layout.BedAdded, at: str) -> None:
    beds.beds[event.bed_id] = Bed(event.bed_id, event.unit_id, event.room_id, event.label)


def bed_removed(beds: Beds, event: layout.BedRemoved, at: str) -> None:
    del beds.beds[event.bed_id]


# -- cleaning and blocks --------------------------------------------------------------------


def marked_dirty(beds: Beds, event: e.BedMarkedDirty, at: str) -> None:
    """A terminal clean, once needed, is needed until the bed is cleaned."""
    bed = beds.beds[event.bed_id]
    if bed.cleanliness != "dirty":
        bed.dirty_since = at
    bed.cleanliness = "dirty"
    bed.evs_priority = event.priority
    bed.terminal = bed.terminal or event.terminal
    bed.cleaning_by = bed.cleaning_since = bed.last_clean = None


def cleaning_started(beds: Beds, event: e.CleaningStarted, at: str) -> None:
    bed = beds.beds[event.bed_id]
    bed.cleanliness, bed.cleaning_by, bed.cleaning_since = "cleaning", event.by, at


def cleaned(beds: Beds, event: e.BedCleaned, at: str) -> None:
    bed = beds.beds[event.bed_id]
    done = LastClean(at, event.by, bed.evs_priority, bed.terminal, bed.dirty_since)
    _clean(bed)
    bed.last_clean = done


def clean_undone(beds: Beds, event: e.BedCleanUndone, at: str) -> None:
    """Dirty again, as it was before the clean: dirty since then, so it takes its old
    place in the EVS queue."""
    bed = beds.beds[event.bed_id]
    before = bed.last_clean
    bed.cleanliness, bed.evs_priority, bed.terminal = "dirty", event.priority, event.terminal
    bed.dirty_since = (before.dirty_since if before is not None else None) or at
    bed.cleaning_by = bed.cleaning_since = bed.last_clean = None


def blocked(beds: Beds, event: e.BedBlocked, at: str) -> None:
    beds.beds[event.bed_id].blocked = Block(event.kind, event.reason, event.until)


def unblocked(beds: Beds, event: e.BedUnblocked, at: str) -> None:
    beds.beds[event.bed_id].blocked = None


def _clean(bed: Bed) -> None:
    bed.cleanliness, bed.evs_priority, bed.dirty_since, bed.terminal = "clean", None, None, False
    bed.cleaning_by = bed.cleaning_since = bed.last_clean = None


# -- who holds a bed ------------------------------------------------------------------------


def _release(beds: Beds, bed_id: str | None) -> None:
    if bed_id is not None:
        bed = beds.beds[bed_id]
        bed.occupancy, bed.encounter_id = "vacant", None


def _hold(beds: Beds, bed_id: str, encounter_id: str, how: str) -> None:
    bed = beds.beds[bed_id]
    bed.occupancy, bed.encounter_id = how, encounter_id  # type: ignore[assignment]


def bed_assigned(beds: Beds, event: s.BedAssigned, at: str) -> None:
    _release(beds, event.released_bed_id)
    _hold(beds, event.bed_id, event.encounter_id, "reserved")


def arrived(beds: Beds, event: s.PatientArrived, at: str) -> None:
    _release(beds, event.from_bed_id)
    _hold(beds, event.bed_id, event.encounter_id, "occupied")


def moved(beds: Beds, event: s.PatientMoved, at: str) -> None:
    _release(beds, event.from_bed_id)
    _release(beds, event.released_bed_id)
    _hold(beds, event.bed_id, event.encounter_id, "occupied")


def swapped(beds: Beds, event: s.BedsSwapped, at: str) -> None:
    beds.beds[event.bed_id].encounter_id = event.encounter_id
    beds.beds[event.other_bed_id].encounter_id = event.other_encounter_id


def transfer_cancelled(beds: Beds, event: s.TransferCancelled, at: str) -> None:
    _release(beds, event.released_bed_id)


def left(beds: Beds, event: s.PatientDischarged | s.AdmissionCancelled, at: str) -> None:
    _release(beds, event.bed_id)
    _release(beds, event.released_bed_id)


def discharge_cancelled(beds: Beds, event: s.DischargeCancelled, at: str) -> None:
    """The patient is back in the bed they left: clean again, with them in it."""
    _clean(beds.beds[event.bed_id])
    _hold(beds, event.bed_id, event.encounter_id, "occupied")


EVOLVERS: dict[type[Event], Evolver] = {
    layout.BedAdded: bed_added,
    layout.BedRemoved: bed_removed,
    e.BedMarkedDirty: marked_dirty,
    e.CleaningStarted: cleaning_started,
    e.BedCleaned: cleaned,
    e.BedCleanUndone: clean_undone,
    e.BedBlocked: blocked,
    e.BedUnblocked: unblocked,
    s.BedAssigned: bed_assigned,
    s.PatientArrived: arrived,
    s.PatientMoved: moved,
    s.BedsSwapped: swapped,
    s.TransferCancelled: transfer_cancelled,
    s.PatientDischarged: left,
    s.AdmissionCancelled: left,
    s.DischargeCancelled: discharge_cancelled,
}
