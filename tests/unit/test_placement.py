"""Where a patient may lie: the bed must be free, the room's rules must hold. Shown through
AssignBed (MarkArrived, MovePatient, SwapBeds and a reinstating CancelDischarge use the same
checks; test_stays.py shows each of them refusing too), and `room_conflicts`."""

from __future__ import annotations

import all_commands as c
import pytest
from builders import (
    admission_requested,
    admitted,
    apply,
    bed_assigned,
    blocked,
    cleaning_started,
    given,
    patient_updated,
    reserved,
    then_refused,
    vacated,
    when,
)

from unitboard.domain.beds.state import Beds
from unitboard.domain.errors import RuleViolation
from unitboard.domain.stays.placement import room_conflicts
from unitboard.domain.stays.state import Stays


def assign(encounter_id: str, bed_id: str) -> c.AssignBed:
    return c.AssignBed(encounter_id=encounter_id, bed_id=bed_id)


# -- the bed itself: clean, vacant, unblocked ---------------------------------------------


def test_a_clean_vacant_unblocked_bed_can_be_reserved() -> None:
    state = given(admission_requested("E1"))
    events = when(state, assign("E1", "4W-401-A"))
    assert events == [bed_assigned("E1", "4W-401-A")]
    bed = apply(state, events)[Beds].beds["4W-401-A"]
    assert (bed.occupancy, bed.encounter_id) == ("reserved", "E1")
    assert state[Stays].stays["E1"].reserved_bed_id == "4W-401-A"


def test_a_dirty_bed_cannot_be_reserved() -> None:
    state = given(admission_requested("E1"), vacated("4W-401-A"))
    then_refused(state, assign("E1", "4W-401-A"), RuleViolation, "4W-401-A", "dirty")


def test_a_bed_being_cleaned_cannot_be_reserved() -> None:
    state = given(admission_requested("E1"), vacated("4W-401-A"), cleaning_started("4W-401-A"))
    message = then_refused(state, assign("E1", "4W-401-A"), RuleViolation, "4W-401-A")
    assert message == "Bed 4W-401-A is being cleaned; it must be clean first."


def test_a_blocked_bed_cannot_be_reserved() -> None:
    state = given(admission_requested("E1"), blocked("4W-401-A", "maintenance"))
    then_refused(
        state, assign("E1", "4W-401-A"), RuleViolation, "4W-401-A", "blocked", "maintenance"
    )


def test_a_bed_reserved_for_another_patient_cannot_be_reserved() -> None:
    state = given(reserved("E1", "4W-401-A"), admission_requested("E2"))
    then_refused(state, assign("E2", "4W-401-A"), RuleViolation, "4W-401-A", "reserved for another")


def test_an_occupied_bed_cannot_be_reserved() -> None:
    state = given(admitted("E1", "4W-401-A"), admission_requested("E2"))
    then_refused(state, assign("E2", "4W-401-A"), RuleViolation, "4W-401-A", "occupied by another")


# -- sexes in a shared room ---------------------------------------------------------------


def test_a_shared_room_in_a_unit_that_does_not_mix_sexes_refuses_another_sex() -> None:
    state = given(admitted("E1", "4W-401-A", sex="F"), admission_requested("E2", sex="M"))
    then_refused(state, assign("E2", "4W-401-B"), RuleViolation, "4W-401", "another sex", "4 West")


def test_an_incoming_patient_holding_a_reservation_counts_for_the_sex_rule() -> None:
    state = given(reserved("E1", "4W-401-A", sex="M"), admission_requested("E2", sex="F"))
    then_refused(state, assign("E2", "4W-401-B"), RuleViolation, "4W-401", "another sex")


def test_a_shared_room_takes_a_patient_of_the_same_sex() -> None:
    state = given(admitted("E1", "4W-403-A", sex="F"), admission_requested("E2", sex="F"))
    assert when(state, assign("E2", "4W-403-C")) == [bed_assigned("E2", "4W-403-C")]


def test_a_unit_that_mixes_sexes_puts_any_sexes_in_a_shared_room() -> None:
    state = given(
        admitted("E1", "ICU-3-A", sex="F"), admission_requested("E2", sex="M", unit_id="ICU")
    )
    assert when(state, assign("E2", "ICU-3-B")) == [bed_assigned("E2", "ICU-3-B")]


# -- isolation ----------------------------------------------------------------------------


@pytest.mark.parametrize("precautions", ["contact", "droplet"])
def test_a_patient_on_isolation_precautions_cannot_join_another_patient(
    precautions: str,
) -> None:
    state = given(admitted("E1", "4W-401-A"), admission_requested("E2", isolation=precautions))
    then_refused(
        state,
        assign("E2", "4W-401-B"),
        RuleViolation,
        "E2",
        precautions,
        "room with no other patient",
        "4W-401",
    )


@pytest.mark.parametrize("precautions", ["contact", "droplet"])
def test_a_patient_on_isolation_precautions_gets_a_shared_room_left_empty(
    precautions: str,
) -> None:
    state = given(admission_requested("E1", isolation=precautions))
    assert when(state, assign("E1", "4W-403-B")) == [bed_assigned("E1", "4W-403-B")]


def test_isolation_counts_an_incoming_patient_holding_a_reservation() -> None:
    state = given(reserved("E1", "4W-403-A"), admission_requested("E2", isolation="contact"))
    then_refused(state, assign("E2", "4W-403-B"), RuleViolation, "E2", "contact")


def test_isolation_applies_even_in_a_unit_that_mixes_sexes() -> None:
    state = given(
        admitted("E1", "ICU-3-A"), admission_requested("E2", unit_id="ICU", isolation="droplet")
    )
    then_refused(state, assign("E2", "ICU-3-B"), RuleViolation, "E2", "droplet")


@pytest.mark.parametrize("precautions", ["contact", "droplet", "airborne"])
def test_no_one_joins_a_patient_on_isolation_precautions(precautions: str) -> None:
    state = given(admitted("E1", "ICU-3-A", isolation=precautions), admission_requested("E2"))
    then_refused(state, assign("E2", "ICU-3-B"), RuleViolation, "ICU-3", "isolation precautions")


def test_no_one_joins_a_room_reserved_for_a_patient_on_isolation_precautions() -> None:
    state = given(reserved("E1", "4W-403-A", isolation="contact"), admission_requested("E2"))
    then_refused(state, assign("E2", "4W-403-C"), RuleViolation, "4W-403", "isolation")


def test_airborne_precautions_need_a_negative_pressure_room() -> None:
    state = given(admission_requested("E1", isolation="airborne"))
    then_refused(
        state, assign("E1", "4W-402-A"), RuleViolation, "E1", "negative-pressure", "4W-402"
    )


def test_airborne_precautions_are_refused_an_empty_shared_room_without_negative_pressure() -> None:
    state = given(admission_requested("E1", isolation="airborne", unit_id="ICU"))
    then_refused(state, assign("E1", "ICU-3-A"), RuleViolation, "negative-pressure", "ICU-3")


@pytest.mark.parametrize("bed_id", ["4W-404-A", "ICU-2-A"])
def test_airborne_precautions_get_a_negative_pressure_room(bed_id: str) -> None:
    state = given(admission_requested("E1", isolation="airborne"))
    assert when(state, assign("E1", bed_id)) == [bed_assigned("E1", bed_id)]


def test_a_patient_without_precautions_may_lie_in_a_negative_pressure_room() -> None:
    state = given(admission_requested("E1"))
    assert when(state, assign("E1", "4W-404-A")) == [bed_assigned("E1", "4W-404-A")]


# -- room_conflicts: what an update made wrong, for the board to flag ---------------------


def test_a_room_keeping_every_rule_has_no_conflicts() -> None:
    state = given(admitted("E1", "4W-401-A"), admitted("E2", "4W-401-B"))
    assert room_conflicts(state, "4W-401") == []
    assert room_conflicts(given(), "4W-401") == []


def test_an_update_to_another_sex_in_a_shared_room_is_flagged() -> None:
    state = given(
        admitted("E1", "4W-401-A", sex="F"),
        admitted("E2", "4W-401-B", sex="F"),
        patient_updated("E2", sex="M"),
    )
    assert room_conflicts(state, "4W-401") == ["patients of different sexes share this room"]


def test_an_update_to_isolation_in_a_shared_room_is_flagged_counting_reservations() -> None:
    state = given(
        admitted("E1", "4W-401-A"),
        reserved("E2", "4W-401-B"),
        patient_updated("E1", isolation="droplet"),
    )
    assert room_conflicts(state, "4W-401") == [
        "a patient on isolation precautions needs a room of their own"
    ]


def test_an_update_to_airborne_outside_a_negative_pressure_room_is_flagged() -> None:
    state = given(admitted("E1", "4W-402-A"), patient_updated("E1", isolation="airborne"))
    assert room_conflicts(state, "4W-402") == ["airborne precautions need a negative-pressure room"]


def test_a_patient_holding_two_beds_of_one_room_is_not_their_own_roommate() -> None:
    # In 4W-401-A, with 4W-401-B reserved for a transfer within the unit, then put on
    # contact precautions: alone in the room, nothing to flag.
    state = given(
        admitted("E1", "4W-401-A"),
        patient_updated("E1", isolation="contact"),
    )
    state = apply(
        state,
        when(state, c.RequestTransfer(encounter_id="E1", to_unit_id="4W", reason="window bed")),
    )
    state = apply(state, when(state, assign("E1", "4W-401-B")))
    assert state[Beds].beds["4W-401-B"].encounter_id == "E1"
    assert room_conflicts(state, "4W-401") == []
