"""Housekeeping beyond the three steps: who is cleaning and since when, the terminal clean a
bed needs after isolation, and a mistaken clean undone. Given events, when a command, then
events or a refusal that changes nothing."""

from __future__ import annotations

import all_commands as c
import pytest
from builders import (
    admission_requested,
    admitted,
    apply,
    arrived,
    bed_assigned,
    bed_event,
    blocked,
    clean_undone,
    cleaned,
    cleaning_started,
    given,
    marked_dirty,
    patient_updated,
    reserved,
    stay_event,
    then_refused,
    unblocked,
    vacated,
    when,
)

from unitboard.domain.beds.state import Bed, Beds
from unitboard.domain.context import Context, KnownPeople, Person
from unitboard.domain.errors import NotFound, RuleViolation
from unitboard.domain.events import Event
from unitboard.domain.hospital import Hospital

BED = "4W-401-A"
PRIVATE = "4W-402-A"
"""A private room: a patient on contact or droplet precautions may lie there."""
NEGATIVE = "4W-404-A"
"""A private negative-pressure room: any precautions."""
EVA = Context("eva", "evs", KnownPeople([Person("eva", "Eva Housekeeping", "evs")]))


def bed(state: Hospital, bed_id: str = BED) -> Bed:
    return state[Beds].beds[bed_id]


# -- who is cleaning, and since when ------------------------------------------------------------


def test_cleaning_started_names_the_person_who_started_it() -> None:
    state = given(vacated(BED))
    events = when(state, c.StartCleaning(bed_id=BED), EVA)
    assert events == [cleaning_started(BED, by="Eva Housekeeping")]
    after = bed(apply(state, events))
    assert (after.cleaning_by, after.cleaning_since) == (
        "Eva Housekeeping",
        "2025-03-01T09:00:00+00:00",
    )


def test_a_system_is_named_by_its_token_and_someone_unknown_by_their_username() -> None:
    state = given(vacated(BED))
    system = Context("token:ehr-feed", "evs")
    assert when(state, c.StartCleaning(bed_id=BED), system) == [
        cleaning_started(BED, by="ehr-feed")
    ]
    stranger = Context("temp7", "evs")
    assert when(state, c.StartCleaning(bed_id=BED), stranger) == [cleaning_started(BED, by="temp7")]


def test_the_name_the_service_knows_the_asker_by_is_recorded_as_it_is() -> None:
    state = given(vacated(BED))
    simulated = Context("sim:evs", "evs", actor_name="simulated housekeeping")
    events = when(state, c.StartCleaning(bed_id=BED), simulated)
    assert events == [cleaning_started(BED, by="simulated housekeeping")]


def test_unitboard_itself_is_named_by_nobody() -> None:
    state = given(vacated(BED))
    assert when(state, c.StartCleaning(bed_id=BED), Context()) == [cleaning_started(BED, by=None)]


def test_a_finished_clean_names_who_finished_it_and_forgets_who_was_cleaning() -> None:
    state = given(vacated(BED), cleaning_started(BED, by="Eva Housekeeping"))
    events = when(state, c.MarkBedClean(bed_id=BED), EVA)
    assert events == [cleaned(BED, by="Eva Housekeeping")]
    after = bed(apply(state, events))
    assert (after.cleaning_by, after.cleaning_since) == (None, None)
    assert after.last_clean is not None and after.last_clean.by == "Eva Housekeeping"


def test_a_bed_found_dirty_again_while_being_cleaned_is_no_longer_being_cleaned() -> None:
    state = given(vacated(BED), cleaning_started(BED))
    after = bed(apply(state, when(state, c.MarkBedDirty(bed_id=BED))))
    assert (after.cleanliness, after.cleaning_by, after.cleaning_since) == ("dirty", None, None)


# -- terminal cleaning --------------------------------------------------------------------------


@pytest.mark.parametrize("isolation", ["contact", "droplet", "airborne"])
def test_a_bed_left_by_a_patient_on_isolation_needs_a_terminal_clean(isolation: str) -> None:
    state = given(admitted("E1", NEGATIVE, isolation=isolation))
    events = when(state, c.DischargePatient(encounter_id="E1"))
    assert events[-1] == vacated(NEGATIVE, terminal=True)
    assert bed(apply(state, events), NEGATIVE).terminal


def test_a_bed_left_by_a_patient_without_precautions_needs_a_routine_clean() -> None:
    state = given(admitted("E1", BED))
    events = when(state, c.DischargePatient(encounter_id="E1"))
    assert events[-1] == vacated(BED, terminal=False)


def test_precautions_ordered_during_the_stay_count_when_the_patient_leaves() -> None:
    state = given(admitted("E1", PRIVATE), patient_updated("E1", isolation="contact"))
    assert when(state, c.DischargePatient(encounter_id="E1"))[-1] == vacated(PRIVATE, terminal=True)


def test_moving_an_isolated_patient_leaves_a_terminal_clean_behind() -> None:
    state = given(admitted("E1", PRIVATE, isolation="droplet"))
    events = when(state, c.MovePatient(encounter_id="E1", bed_id=NEGATIVE))
    assert events[-1] == vacated(PRIVATE, terminal=True)


def test_an_isolated_patient_arriving_from_another_bed_leaves_a_terminal_clean_behind() -> None:
    state = given(
        admitted("E1", PRIVATE, isolation="contact"),
        stay_event("TransferRequested", "E1", to_unit_id="ICU", reason="step up"),
        bed_assigned("E1", "ICU-1-A"),
    )
    events = when(state, c.MarkArrived(encounter_id="E1"))
    assert events == [arrived("E1", "ICU-1-A", from_bed_id=PRIVATE), vacated(PRIVATE, True)]


def test_a_cancelled_admission_of_an_isolated_patient_leaves_a_terminal_clean() -> None:
    state = given(admitted("E1", NEGATIVE, isolation="airborne"))
    events = when(state, c.CancelAdmission(encounter_id="E1", reason="wrong patient"))
    assert events[-1] == vacated(NEGATIVE, terminal=True)


def test_staff_can_mark_a_clean_bed_for_a_terminal_clean() -> None:
    state = given()
    events = when(state, c.MarkBedDirty(bed_id=BED, terminal=True))
    assert events == [marked_dirty(BED, terminal=True)]
    after = bed(apply(state, events))
    assert (after.cleanliness, after.terminal) == ("dirty", True)


def test_staff_can_ask_a_dirty_bed_for_a_terminal_clean_keeping_its_priority() -> None:
    state = given(vacated(BED), marked_dirty(BED, priority="clean_next"))
    events = when(state, c.MarkBedDirty(bed_id=BED, priority="clean_next", terminal=True))
    assert events == [marked_dirty(BED, priority="clean_next", terminal=True)]
    after = bed(apply(state, events))
    assert (after.evs_priority, after.terminal) == ("clean_next", True)


def test_a_terminal_clean_once_asked_for_is_kept_by_a_routine_mark() -> None:
    state = given(vacated(BED, terminal=True))
    assert when(state, c.MarkBedDirty(bed_id=BED)) == []  # nothing new to record
    events = when(state, c.MarkBedDirty(bed_id=BED, priority="stat"))
    assert bed(apply(state, events)).terminal


def test_a_terminal_bed_is_not_clean_until_its_cleaning_finishes() -> None:
    state = given(vacated(BED, terminal=True), cleaning_started(BED))
    assert (bed(state).cleanliness, bed(state).terminal) == ("cleaning", True)
    assert not bed(state).takes_a_patient
    after = bed(apply(state, when(state, c.MarkBedClean(bed_id=BED))))
    assert (after.cleanliness, after.terminal) == ("clean", False)


@pytest.mark.parametrize("kind", ["isolation", "contaminated"])
def test_lifting_an_isolation_or_contaminated_block_from_a_dirty_bed_asks_for_terminal(
    kind: str,
) -> None:
    state = given(vacated(BED), marked_dirty(BED, priority="clean_next"), blocked(BED, kind=kind))
    events = when(state, c.UnblockBed(bed_id=BED))
    assert events == [
        unblocked(BED),
        bed_event("BedMarkedDirty", BED, reason="unblocked", priority="clean_next", terminal=True),
    ]
    after = bed(apply(state, events))
    assert (after.blocked, after.cleanliness, after.terminal) == (None, "dirty", True)


def test_lifting_an_isolation_block_during_a_routine_clean_starts_a_terminal_one() -> None:
    state = given(vacated(BED), blocked(BED, kind="isolation"), cleaning_started(BED))
    after = bed(apply(state, when(state, c.UnblockBed(bed_id=BED))))
    assert (after.cleanliness, after.terminal, after.cleaning_by) == ("dirty", True, None)


@pytest.mark.parametrize(
    "before",
    [
        [blocked(BED, kind="isolation")],  # clean: nobody lay in it
        [vacated(BED), blocked(BED, kind="maintenance")],  # dirty, but not isolated
        [vacated(BED, terminal=True), blocked(BED, kind="contaminated")],  # terminal already
    ],
    ids=["clean", "maintenance", "terminal-already"],
)
def test_other_unblocks_record_only_the_unblock(before: list[Event]) -> None:
    state = given(*before)
    assert when(state, c.UnblockBed(bed_id=BED)) == [unblocked(BED)]


# -- undoing a mistaken clean -------------------------------------------------------------------


def test_a_clean_can_be_undone_and_the_bed_is_dirty_as_before() -> None:
    state = given(
        vacated(BED, terminal=True),
        marked_dirty(BED, priority="clean_next"),
        cleaning_started(BED),
        cleaned(BED),
    )
    dirty_since = "2025-03-01T08:00:00+00:00"
    events = when(state, c.UndoBedClean(bed_id=BED, reason="bathroom not done"), EVA)
    assert events == [
        clean_undone(BED, priority="clean_next", terminal=True, reason="bathroom not done")
    ]
    after = bed(apply(state, events))
    assert (after.cleanliness, after.evs_priority, after.terminal) == ("dirty", "clean_next", True)
    assert after.dirty_since == dirty_since  # back in its old place in the queue
    assert after.last_clean is None


def test_an_undone_clean_needs_no_reason() -> None:
    state = given(vacated(BED), cleaning_started(BED), cleaned(BED))
    assert when(state, c.UndoBedClean(bed_id=BED)) == [clean_undone(BED)]


def test_a_bed_whose_clean_was_undone_is_cleaned_again_as_usual() -> None:
    state = given(vacated(BED), cleaning_started(BED), cleaned(BED), clean_undone(BED))
    then_refused(state, c.UndoBedClean(bed_id=BED), RuleViolation, BED, "dirty", "no clean")
    state = apply(state, when(state, c.StartCleaning(bed_id=BED)))
    state = apply(state, when(state, c.MarkBedClean(bed_id=BED)))
    assert bed(state).cleanliness == "clean"


def test_a_reserved_bed_can_go_back_to_dirty_and_the_arrival_waits_for_it() -> None:
    state = given(vacated(BED), cleaning_started(BED), cleaned(BED), reserved("E1", BED))
    events = when(state, c.UndoBedClean(bed_id=BED))
    assert events == [clean_undone(BED)]
    apply(state, events)
    assert (bed(state).occupancy, bed(state).cleanliness) == ("reserved", "dirty")
    then_refused(state, c.MarkArrived(encounter_id="E1"), RuleViolation, BED, "dirty")


def test_an_occupied_bed_cannot_have_its_clean_undone() -> None:
    state = given(
        vacated(BED),
        cleaning_started(BED),
        cleaned(BED),
        admission_requested("E1"),
        bed_assigned("E1", BED),
        arrived("E1", BED),
    )
    message = then_refused(
        state, c.UndoBedClean(bed_id=BED), RuleViolation, BED, "patient in it", "charge nurse"
    )
    assert "occupied" not in message  # says it in words a person uses


def test_a_bed_being_cleaned_has_no_clean_to_undo() -> None:
    state = given(vacated(BED), cleaning_started(BED))
    then_refused(state, c.UndoBedClean(bed_id=BED), RuleViolation, BED, "being cleaned")


def test_a_bed_never_cleaned_since_it_was_dirty_has_nothing_to_undo() -> None:
    then_refused(given(), c.UndoBedClean(bed_id=BED), RuleViolation, BED, "mark it dirty")


def test_undoing_the_clean_of_an_unknown_bed_is_not_found() -> None:
    then_refused(given(), c.UndoBedClean(bed_id="4W-499-Z"), NotFound, "4W-499-Z")


def test_a_clean_marked_dirty_again_cannot_be_undone_any_more() -> None:
    state = given(vacated(BED), cleaning_started(BED), cleaned(BED), marked_dirty(BED))
    then_refused(state, c.UndoBedClean(bed_id=BED), RuleViolation, BED, "dirty")
