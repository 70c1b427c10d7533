"""Given/when/then helpers for the pure domain, on the shared test hospital (tests/hospital.py:
4W does not mix sexes, ICU does; private, shared 2- and 3-bed, and negative-pressure rooms).

(A plain module, not conftest.py, so that `from builders import ...` never picks up another
folder's conftest.)

`given(*events)` folds the layout and then the events with `evolve`; the event factories
below write the events exactly as the domain records them.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

import all_commands as c
import msgspec
import pytest

from hospital import LAYOUT, admission
from unitboard.domain.aggregates import HOUSE
from unitboard.domain.context import Context, KnownPeople, Person
from unitboard.domain.errors import DomainError
from unitboard.domain.events import Event
from unitboard.domain.hospital import Hospital, decide, evolve

STAFF = [
    Person("nurse", "Noor Nurse", "nurse", ("4W",)),
    Person("nurse2", "Nick Nurse", "nurse", ("4W",)),
    Person("charge", "Casey Charge", "charge_nurse", ("4W",)),
    Person("secretary", "Sam Secretary", "secretary", ("4W",)),
    Person("gone", "Gil Gone", "nurse", ("4W",), active=False),
]


CHARGE = Context("charge", "charge_nurse", KnownPeople(STAFF))
"""A charge nurse of 4W, who knows the unit's staff."""


def layout_events() -> list[Event]:
    """The test hospital's layout, as loading its file records it."""
    return decide(Hospital(), c.LoadLayout(toml=LAYOUT))


def _flatten(events: Iterable[Event | Iterable[Event]]) -> list[Event]:
    flat: list[Event] = []
    for item in events:
        if isinstance(item, Event):
            flat.append(item)
        else:
            flat.extend(item)
    return flat


def fold_all(events: Iterable[Event | Iterable[Event]], at: str = "") -> Hospital:
    state = Hospital()
    for event in _flatten(events):
        evolve(state, event, at)
    return state


def given(*events: Event | Iterable[Event]) -> Hospital:
    """The hospital after the layout and then `events`."""
    return fold_all([layout_events(), *events], at="2025-03-01T08:00:00+00:00")


def when(state: Hospital, command: c.Command, context: Context = CHARGE) -> list[Event]:
    """Decide `command`; deciding never changes the state."""
    before = copy.deepcopy(state)
    events = decide(state, command, context)
    assert state == before, "decide changed the state"
    return events


def then_refused(
    state: Hospital,
    command: c.Command,
    error: type[DomainError],
    *fragments: str,
    context: Context = CHARGE,
) -> str:
    """`command` is refused with `error`, the message names each fragment, reads as a
    sentence, and nothing changed."""
    before = copy.deepcopy(state)
    with pytest.raises(error) as caught:
        decide(state, command, context)
    assert type(caught.value) is error
    message = caught.value.message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    assert message[:1].isupper() and message.rstrip().endswith("."), message
    assert state == before, "a refused command changed the state"
    return message


def apply(state: Hospital, events: Iterable[Event]) -> Hospital:
    for event in events:
        evolve(state, event, "2025-03-01T09:00:00+00:00")
    return state


# -- event factories: the events as the domain records them -------------------------------


def unit_of(bed_id: str) -> str:
    return bed_id.split("-", 1)[0]


def event_of(type_: str, **data: Any) -> Event:
    """An event of a registered type, its fields given as JSON values (times as text)."""
    made: Event = msgspec.convert(data, HOUSE.events[type_])
    return made


def stay_event(type_: str, encounter_id: str, **data: Any) -> Event:
    return event_of(type_, encounter_id=encounter_id, **data)


def bed_event(type_: str, bed_id: str, **data: Any) -> Event:
    return event_of(type_, bed_id=bed_id, **data)


def admission_requested(encounter_id: str = "E1", **overrides: Any) -> Event:
    return event_of("AdmissionRequested", **admission(encounter_id, **overrides))


def bed_assigned(encounter_id: str, bed_id: str, released_bed_id: str | None = None) -> Event:
    return stay_event(
        "BedAssigned",
        encounter_id,
        bed_id=bed_id,
        unit_id=unit_of(bed_id),
        released_bed_id=released_bed_id,
    )


def arrived(encounter_id: str, bed_id: str, from_bed_id: str | None = None) -> Event:
    return stay_event(
        "PatientArrived",
        encounter_id,
        bed_id=bed_id,
        unit_id=unit_of(bed_id),
        from_bed_id=from_bed_id,
    )


def reserved(encounter_id: str, bed_id: str, **admission: Any) -> list[Event]:
    """A pending admission with `bed_id` reserved for it."""
    admission.setdefault("unit_id", unit_of(bed_id))
    return [admission_requested(encounter_id, **admission), bed_assigned(encounter_id, bed_id)]


def admitted(encounter_id: str, bed_id: str, **admission: Any) -> list[Event]:
    """A patient lying in `bed_id`."""
    return [*reserved(encounter_id, bed_id, **admission), arrived(encounter_id, bed_id)]


def transfer_requested(encounter_id: str, to_unit_id: str, reason: str = "step up") -> Event:
    return stay_event("TransferRequested", encounter_id, to_unit_id=to_unit_id, reason=reason)


def discharge_ordered(encounter_id: str, expected_at: str | None = None) -> Event:
    return stay_event("DischargeOrdered", encounter_id, expected_at=expected_at)


def discharged(encounter_id: str, bed_id: str, released_bed_id: str | None = None) -> list[Event]:
    return [
        stay_event(
            "PatientDischarged",
            encounter_id,
            bed_id=bed_id,
            unit_id=unit_of(bed_id),
            released_bed_id=released_bed_id,
        ),
        vacated(bed_id),
    ]


def patient_updated(encounter_id: str, **changes: Any) -> Event:
    return stay_event("PatientUpdated", encounter_id, changes=changes)


def vacated(bed_id: str, terminal: bool = False) -> Event:
    return bed_event("BedMarkedDirty", bed_id, reason="vacated", terminal=terminal)


def marked_dirty(bed_id: str, priority: str | None = None, terminal: bool = False) -> Event:
    return bed_event("BedMarkedDirty", bed_id, reason="evs", priority=priority, terminal=terminal)


def cleaning_started(bed_id: str, by: str | None = "Casey Charge") -> Event:
    """Cleaning started, by default by the charge nurse `when` decides as."""
    return bed_event("CleaningStarted", bed_id, by=by)


def cleaned(bed_id: str, by: str | None = "Casey Charge") -> Event:
    return bed_event("BedCleaned", bed_id, by=by)


def clean_undone(
    bed_id: str, priority: str | None = None, terminal: bool = False, reason: str | None = None
) -> Event:
    return bed_event("BedCleanUndone", bed_id, priority=priority, terminal=terminal, reason=reason)


def blocked(
    bed_id: str, reason: str = "maintenance", until: str | None = None, kind: str | None = None
) -> Event:
    kind = kind or (reason if reason in ("maintenance", "isolation", "staffing") else "other")
    return bed_event("BedBlocked", bed_id, kind=kind, reason=reason, until=until)


def unblocked(bed_id: str) -> Event:
    return bed_event("BedUnblocked", bed_id)
