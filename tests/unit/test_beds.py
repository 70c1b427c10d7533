"""Beds: cleaning (dirty -> cleaning -> clean) and blocks. Given events, when a command,
then events or a refusal that changes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import all_commands as c
import pytest
from builders import (
    admitted,
    apply,
    bed_event,
    blocked,
    cleaned,
    cleaning_started,
    given,
    marked_dirty,
    reserved,
    then_refused,
    vacated,
    when,
)

from unitboard.domain.beds.state import Beds
from unitboard.domain.errors import NotFound, RuleViolation

BED = "4W-401-A"

# -- marking a bed dirty ------------------------------------------------------------------


def test_a_clean_vacant_bed_can_be_marked_dirty_by_evs() -> None:
    state = given()
    assert when(state, c.MarkBedDirty(bed_id=BED)) == [marked_dirty(BED)]


def test_a_dirty_bed_can_be_given_an_evs_priority() -> None:
    state = given(vacated(BED))
    events = when(state, c.MarkBedDirty(bed_id=BED, priority="stat"))
    assert events == [marked_dirty(BED, priority="stat")]
    assert apply(state, events)[Beds].beds[BED].evs_priority == "stat"


def test_marking_a_dirty_bed_dirty_again_with_the_same_priority_records_nothing() -> None:
    state = given(marked_dirty(BED, priority="clean_next"))
    assert when(state, c.MarkBedDirty(bed_id=BED, priority="clean_next")) == []


def test_a_bed_being_cleaned_can_be_found_dirty_again() -> None:
    state = given(vacated(BED), cleaning_started(BED))
    events = when(state, c.MarkBedDirty(bed_id=BED))
    assert events == [marked_dirty(BED)]
    assert apply(state, events)[Beds].beds[BED].cleanliness == "dirty"


def test_an_occupied_bed_cannot_be_marked_dirty() -> None:
    state = given(admitted("E1", BED))
    then_refused(state, c.MarkBedDirty(bed_id=BED), RuleViolation, BED, "occupied")


def test_a_reserved_bed_found_soiled_can_be_marked_dirty_and_the_arrival_then_waits() -> None:
    state = given(reserved("E1", BED))
    events = when(state, c.MarkBedDirty(bed_id=BED, priority="stat"))
    assert events == [marked_dirty(BED, priority="stat")]
    apply(state, events)
    assert state[Beds].beds[BED].occupancy == "reserved"
    then_refused(state, c.MarkArrived(encounter_id="E1"), RuleViolation, BED, "dirty")


def test_marking_an_unknown_bed_dirty_is_not_found() -> None:
    then_refused(given(), c.MarkBedDirty(bed_id="4W-499-Z"), NotFound, "4W-499-Z")


# -- cleaning -----------------------------------------------------------------------------


def test_a_bed_a_patient_left_is_dirty_and_cleaning_can_start() -> None:
    state = given(vacated(BED))
    assert state[Beds].beds[BED].cleanliness == "dirty"
    assert when(state, c.StartCleaning(bed_id=BED)) == [cleaning_started(BED)]


def test_cleaning_goes_dirty_then_cleaning_then_clean() -> None:
    state = given(vacated(BED))
    state = apply(state, when(state, c.StartCleaning(bed_id=BED)))
    assert state[Beds].beds[BED].cleanliness == "cleaning"
    events = when(state, c.MarkBedClean(bed_id=BED))
    assert events == [cleaned(BED)]
    bed = apply(state, events)[Beds].beds[BED]
    assert (bed.cleanliness, bed.evs_priority, bed.dirty_since) == ("clean", None, None)


def test_a_reserved_dirty_bed_can_be_cleaned_and_the_patient_then_arrives() -> None:
    state = given(reserved("E1", BED), marked_dirty(BED), cleaning_started(BED), cleaned(BED))
    assert [e.type for e in when(state, c.MarkArrived(encounter_id="E1"))] == ["PatientArrived"]


def test_cleaning_cannot_start_on_a_clean_bed() -> None:
    then_refused(given(), c.StartCleaning(bed_id=BED), RuleViolation, BED, "clean, not dirty")


def test_cleaning_cannot_start_twice() -> None:
    state = given(vacated(BED), cleaning_started(BED))
    then_refused(state, c.StartCleaning(bed_id=BED), RuleViolation, BED, "already started")


def test_cleaning_cannot_start_on_an_occupied_bed() -> None:
    # Not reachable through commands (an occupied bed cannot be marked dirty); the rule
    # stands guard all the same.
    state = given(admitted("E1", BED), bed_event("BedMarkedDirty", BED, reason="evs"))
    then_refused(state, c.StartCleaning(bed_id=BED), RuleViolation, BED, "occupied")


def test_a_clean_bed_cannot_be_marked_clean() -> None:
    then_refused(given(), c.MarkBedClean(bed_id=BED), RuleViolation, BED, "already clean")


def test_a_dirty_bed_cannot_be_marked_clean_before_cleaning_starts() -> None:
    state = given(vacated(BED))
    then_refused(state, c.MarkBedClean(bed_id=BED), RuleViolation, BED, "has not started")


@pytest.mark.parametrize("command", [c.StartCleaning, c.MarkBedClean, c.UnblockBed])
def test_cleaning_or_unblocking_an_unknown_bed_is_not_found(
    command: Callable[..., c.Command],
) -> None:
    then_refused(given(), command(bed_id="ICU-9-A"), NotFound, "ICU-9-A")


# -- blocks -------------------------------------------------------------------------------


def test_a_vacant_bed_can_be_blocked_with_a_reason_and_an_until_time() -> None:
    until = dt.datetime(2025, 3, 4, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    events = when(given(), c.BlockBed(bed_id=BED, reason="maintenance", until=until))
    assert events == [blocked(BED, "maintenance", until="2025-03-04T12:00:00-05:00")]


def test_a_dirty_bed_can_be_blocked() -> None:
    state = given(vacated(BED))
    assert when(state, c.BlockBed(bed_id=BED, reason="staffing")) == [blocked(BED, "staffing")]


def test_blocking_a_blocked_bed_again_with_the_same_reason_records_nothing() -> None:
    state = given(blocked(BED, "maintenance"))
    assert when(state, c.BlockBed(bed_id=BED, reason="maintenance")) == []


def test_a_blocked_bed_can_be_blocked_again_for_another_reason() -> None:
    state = given(blocked(BED, "maintenance"))
    assert when(state, c.BlockBed(bed_id=BED, reason="isolation")) == [blocked(BED, "isolation")]


def test_an_occupied_bed_cannot_be_blocked() -> None:
    state = given(admitted("E1", BED))
    then_refused(
        state, c.BlockBed(bed_id=BED, reason="maintenance"), RuleViolation, BED, "occupied"
    )


def test_a_reserved_bed_cannot_be_blocked() -> None:
    state = given(reserved("E1", BED))
    then_refused(
        state, c.BlockBed(bed_id=BED, reason="maintenance"), RuleViolation, BED, "reserved"
    )


def test_blocking_an_unknown_bed_is_not_found() -> None:
    then_refused(given(), c.BlockBed(bed_id="X-1-A", reason="maintenance"), NotFound, "X-1-A")


def test_a_blocked_bed_can_be_unblocked() -> None:
    state = given(blocked(BED))
    events = when(state, c.UnblockBed(bed_id=BED))
    assert events == [bed_event("BedUnblocked", BED)]
    assert apply(state, events)[Beds].beds[BED].blocked is None


def test_a_bed_that_is_not_blocked_cannot_be_unblocked() -> None:
    then_refused(given(), c.UnblockBed(bed_id=BED), RuleViolation, BED, "not blocked")
