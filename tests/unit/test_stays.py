"""Stays: admission, bed assignment, arrival, moves, swaps, transfers, discharge and their
corrections. Given events, when a command, then events or a refusal that changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

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
    cleaning_started,
    discharge_ordered,
    discharged,
    given,
    marked_dirty,
    patient_updated,
    reserved,
    stay_event,
    then_refused,
    transfer_requested,
    vacated,
    when,
)

from hospital import admission as admission_data
from unitboard.domain.beds.state import Beds
from unitboard.domain.errors import NotFound, RuleViolation
from unitboard.domain.stays.events import PatientMoved
from unitboard.domain.stays.placement import room_conflicts
from unitboard.domain.stays.state import Stays


def admission(encounter_id: str = "E1", **data: Any) -> c.RequestAdmission:
    return c.RequestAdmission.model_validate(admission_data(encounter_id, **data))


def cancelled_admission(encounter_id: str, bed_id: str | None = None) -> list[Any]:
    events = [
        stay_event(
            "AdmissionCancelled", encounter_id, reason="error", bed_id=bed_id, released_bed_id=None
        )
    ]
    return events + ([vacated(bed_id)] if bed_id else [])


# -- RequestAdmission ---------------------------------------------------------------------


def test_an_admission_request_records_the_patient_as_pending() -> None:
    state = given()
    events = when(state, admission("E1"))
    assert events == [admission_requested("E1")]
    stay = apply(state, events)[Stays].stays["E1"]
    assert (stay.status, stay.bed_id, stay.unit_id, stay.birth_date) == (
        "pending",
        None,
        "4W",
        dt.date(1950, 4, 2),
    )


def test_an_admission_to_an_unknown_unit_is_not_found() -> None:
    then_refused(given(), admission("E1", unit_id="5E"), NotFound, "5E")


def test_an_encounter_id_cannot_be_admitted_twice() -> None:
    state = given(admission_requested("E1"))
    then_refused(state, admission("E1", mrn="OTHER"), RuleViolation, "E1", "already exists")


@pytest.mark.parametrize(
    "history",
    [
        pytest.param([admission_requested("E1", mrn="M1")], id="pending"),
        pytest.param([reserved("E1", "4W-401-A", mrn="M1")], id="bed-assigned"),
        pytest.param([admitted("E1", "4W-401-A", mrn="M1")], id="admitted"),
    ],
)
def test_a_patient_with_an_active_stay_cannot_be_admitted_again(history: list[Any]) -> None:
    state = given(*history)
    then_refused(state, admission("E2", mrn="M1"), RuleViolation, "M1", "E1", "active stay")


def test_a_patient_discharged_or_cancelled_before_can_be_admitted_again() -> None:
    state = given(
        admitted("E1", "4W-401-A", mrn="M1"),
        discharged("E1", "4W-401-A"),
        admission_requested("E2", mrn="M1"),
        cancelled_admission("E2"),
    )
    assert when(state, admission("E3", mrn="M1")) == [admission_requested("E3", mrn="M1")]


# -- AssignBed ----------------------------------------------------------------------------


def test_assigning_another_bed_to_a_pending_admission_releases_the_first() -> None:
    state = given(reserved("E1", "4W-401-A"))
    events = when(state, c.AssignBed(encounter_id="E1", bed_id="4W-403-A"))
    assert events == [bed_assigned("E1", "4W-403-A", released_bed_id="4W-401-A")]
    apply(state, events)
    assert state[Beds].beds["4W-401-A"].occupancy == "vacant"
    assert state[Beds].beds["4W-401-A"].encounter_id is None
    assert state[Stays].stays["E1"].reserved_bed_id == "4W-403-A"


def test_the_bed_already_reserved_for_a_patient_cannot_be_assigned_again() -> None:
    state = given(reserved("E1", "4W-401-A"))
    then_refused(
        state,
        c.AssignBed(encounter_id="E1", bed_id="4W-401-A"),
        RuleViolation,
        "4W-401-A",
        "already reserved for this patient",
    )


def test_a_patient_in_a_bed_needs_a_transfer_before_a_bed_is_assigned() -> None:
    state = given(admitted("E1", "4W-401-A"))
    then_refused(
        state,
        c.AssignBed(encounter_id="E1", bed_id="4W-402-A"),
        RuleViolation,
        "E1",
        "4W-401-A",
        "Move patient",
    )


def test_a_transfer_reserves_a_bed_in_the_target_unit() -> None:
    state = given(admitted("E1", "4W-401-A"), transfer_requested("E1", "ICU"))
    events = when(state, c.AssignBed(encounter_id="E1", bed_id="ICU-3-A"))
    assert events == [bed_assigned("E1", "ICU-3-A")]
    stay = apply(state, events)[Stays].stays["E1"]
    assert (stay.bed_id, stay.reserved_bed_id, stay.unit_id) == ("4W-401-A", "ICU-3-A", "4W")


def test_a_transfer_reserves_a_bed_only_in_its_target_unit() -> None:
    state = given(admitted("E1", "4W-401-A"), transfer_requested("E1", "ICU"))
    then_refused(
        state,
        c.AssignBed(encounter_id="E1", bed_id="4W-402-A"),
        RuleViolation,
        "ICU",
        "4W-402-A",
    )


def test_a_transfer_within_the_unit_cannot_reserve_the_bed_the_patient_lies_in() -> None:
    state = given(admitted("E1", "4W-401-A"), transfer_requested("E1", "4W"))
    then_refused(
        state,
        c.AssignBed(encounter_id="E1", bed_id="4W-401-A"),
        RuleViolation,
        "E1",
        "already in bed 4W-401-A",
    )


@pytest.mark.parametrize(
    "history",
    [
        pytest.param([admitted("E1", "4W-401-A"), discharged("E1", "4W-401-A")], id="discharged"),
        pytest.param([admission_requested("E1"), cancelled_admission("E1")], id="cancelled"),
    ],
)
@pytest.mark.parametrize(
    "command",
    [
        c.AssignBed(encounter_id="E1", bed_id="4W-403-A"),
        c.MarkArrived(encounter_id="E1"),
        c.MovePatient(encounter_id="E1", bed_id="4W-403-A"),
        c.RequestTransfer(encounter_id="E1", to_unit_id="ICU", reason="step up"),
        c.OrderDischarge(encounter_id="E1"),
        c.CancelAdmission(encounter_id="E1", reason="error"),
        c.CancelTransfer(encounter_id="E1", reason="error"),
        c.UpdatePatient(encounter_id="E1", fall_risk=True),
        c.AssignNurse(encounter_id="E1", nurse="nurse"),
    ],
    ids=lambda command: type(command).__name__,
)
def test_a_closed_stay_cannot_change(history: list[Any], command: c.Command) -> None:
    state = given(*history)
    status = state[Stays].stays["E1"].status
    then_refused(state, command, RuleViolation, "E1", status, "nothing can change it")


# -- MarkArrived --------------------------------------------------------------------------


def test_a_patient_arrives_into_the_reserved_bed() -> None:
    state = given(reserved("E1", "4W-401-A"))
    events = when(state, c.MarkArrived(encounter_id="E1"))
    assert events == [arrived("E1", "4W-401-A")]
    apply(state, events)
    stay, bed = state[Stays].stays["E1"], state[Beds].beds["4W-401-A"]
    assert (stay.status, stay.bed_id, stay.reserved_bed_id) == ("admitted", "4W-401-A", None)
    assert (bed.occupancy, bed.encounter_id) == ("occupied", "E1")


def test_a_patient_without_an_assigned_bed_cannot_arrive() -> None:
    state = given(admission_requested("E1"))
    then_refused(state, c.MarkArrived(encounter_id="E1"), RuleViolation, "E1", "no bed assigned")


def test_an_arrival_waits_while_the_reserved_bed_is_being_cleaned() -> None:
    state = given(
        reserved("E1", "4W-401-A"), marked_dirty("4W-401-A"), cleaning_started("4W-401-A")
    )
    then_refused(state, c.MarkArrived(encounter_id="E1"), RuleViolation, "4W-401-A", "cleaned")


def test_an_arrival_rechecks_the_room_after_an_update() -> None:
    state = given(
        admitted("E1", "4W-401-A", sex="F"),
        reserved("E2", "4W-401-B", sex="F"),
        patient_updated("E2", sex="M"),
    )
    then_refused(state, c.MarkArrived(encounter_id="E2"), RuleViolation, "4W-401", "sex")


def test_a_transferred_patient_arrives_and_the_bed_they_leave_turns_dirty() -> None:
    state = given(
        admitted("E1", "4W-401-A"), transfer_requested("E1", "ICU"), bed_assigned("E1", "ICU-3-A")
    )
    events = when(state, c.MarkArrived(encounter_id="E1"))
    assert events == [arrived("E1", "ICU-3-A", from_bed_id="4W-401-A"), vacated("4W-401-A")]
    apply(state, events)
    stay = state[Stays].stays["E1"]
    assert (stay.bed_id, stay.unit_id, stay.transfer_to_unit_id) == ("ICU-3-A", "ICU", None)
    left = state[Beds].beds["4W-401-A"]
    assert (left.occupancy, left.cleanliness, left.encounter_id) == ("vacant", "dirty", None)


# -- MovePatient --------------------------------------------------------------------------


def test_a_move_puts_the_patient_in_the_new_bed_and_the_old_one_turns_dirty() -> None:
    state = given(admitted("E1", "4W-401-A"))
    events = when(state, c.MovePatient(encounter_id="E1", bed_id="4W-403-A"))
    assert events == [
        stay_event(
            "PatientMoved",
            "E1",
            from_bed_id="4W-401-A",
            bed_id="4W-403-A",
            unit_id="4W",
            released_bed_id=None,
        ),
        vacated("4W-401-A"),
    ]
    apply(state, events)
    assert state[Stays].stays["E1"].bed_id == "4W-403-A"
    assert state[Beds].beds["4W-403-A"].occupancy == "occupied"
    assert state[Beds].beds["4W-401-A"].cleanliness == "dirty"


def test_a_patient_who_has_not_arrived_cannot_be_moved() -> None:
    state = given(reserved("E1", "4W-401-A"))
    then_refused(
        state,
        c.MovePatient(encounter_id="E1", bed_id="4W-403-A"),
        RuleViolation,
        "E1",
        "not arrived",
    )


def test_a_patient_cannot_be_moved_into_their_own_bed() -> None:
    state = given(admitted("E1", "4W-401-A"))
    then_refused(
        state,
        c.MovePatient(encounter_id="E1", bed_id="4W-401-A"),
        RuleViolation,
        "E1",
        "already in bed 4W-401-A",
    )


def test_a_move_to_another_unit_needs_a_transfer() -> None:
    state = given(admitted("E1", "4W-401-A"))
    then_refused(
        state,
        c.MovePatient(encounter_id="E1", bed_id="ICU-3-A"),
        RuleViolation,
        "ICU-3-A",
        "request a transfer",
    )


def test_a_move_obeys_the_bed_and_room_rules() -> None:
    state = given(
        admitted("E1", "4W-401-A", sex="F"),
        admitted("E2", "4W-403-A", sex="M"),
        vacated("4W-402-A"),
    )
    move = c.MovePatient
    then_refused(state, move(encounter_id="E1", bed_id="4W-402-A"), RuleViolation, "dirty")
    then_refused(state, move(encounter_id="E1", bed_id="4W-403-B"), RuleViolation, "sex")


def test_a_move_into_the_transfer_unit_completes_the_transfer_and_frees_the_reserved_bed() -> None:
    state = given(
        admitted("E1", "4W-401-A"), transfer_requested("E1", "ICU"), bed_assigned("E1", "ICU-3-A")
    )
    events = when(state, c.MovePatient(encounter_id="E1", bed_id="ICU-2-A"))
    assert isinstance(events[0], PatientMoved) and events[0].released_bed_id == "ICU-3-A"
    apply(state, events)
    stay = state[Stays].stays["E1"]
    assert (stay.bed_id, stay.unit_id, stay.reserved_bed_id, stay.transfer_to_unit_id) == (
        "ICU-2-A",
        "ICU",
        None,
        None,
    )
    assert state[Beds].beds["ICU-3-A"].occupancy == "vacant"


def test_a_move_into_the_bed_reserved_for_the_transfer_completes_it() -> None:
    state = given(
        admitted("E1", "4W-401-A"), transfer_requested("E1", "ICU"), bed_assigned("E1", "ICU-3-A")
    )
    events = when(state, c.MovePatient(encounter_id="E1", bed_id="ICU-3-A"))
    assert isinstance(events[0], PatientMoved) and events[0].released_bed_id is None
    stay = apply(state, events)[Stays].stays["E1"]
    assert (stay.bed_id, stay.reserved_bed_id, stay.transfer_to_unit_id) == ("ICU-3-A", None, None)
    assert state[Beds].beds["ICU-3-A"].occupancy == "occupied"


def test_a_move_within_the_unit_keeps_the_bed_reserved_for_a_pending_transfer() -> None:
    state = given(
        admitted("E1", "4W-401-A"), transfer_requested("E1", "ICU"), bed_assigned("E1", "ICU-3-A")
    )
    events = when(state, c.MovePatient(encounter_id="E1", bed_id="4W-402-A"))
    assert isinstance(events[0], PatientMoved) and events[0].released_bed_id is None
    stay = apply(state, events)[Stays].stays["E1"]
    assert (stay.bed_id, stay.reserved_bed_id, stay.transfer_to_unit_id) == (
        "4W-402-A",
        "ICU-3-A",
        "ICU",
    )
    assert (state[Beds].beds["ICU-3-A"].occupancy, state[Beds].beds["ICU-3-A"].encounter_id) == (
        "reserved",
        "E1",
    )


# -- SwapBeds -----------------------------------------------------------------------------


def test_two_patients_swap_beds() -> None:
    state = given(admitted("E1", "4W-401-A"), admitted("E2", "4W-403-A"))
    events = when(state, c.SwapBeds(encounter_id="E1", other_encounter_id="E2"))
    assert events == [
        stay_event(
            "BedsSwapped",
            "E1",
            bed_id="4W-403-A",
            unit_id="4W",
            other_encounter_id="E2",
            other_bed_id="4W-401-A",
            other_unit_id="4W",
        )
    ]
    apply(state, events)
    assert (state[Stays].stays["E1"].bed_id, state[Stays].stays["E2"].bed_id) == (
        "4W-403-A",
        "4W-401-A",
    )
    assert state[Beds].beds["4W-403-A"].encounter_id == "E1"
    assert state[Beds].beds["4W-401-A"].encounter_id == "E2"
    assert state[Beds].beds["4W-401-A"].cleanliness == "clean"


def test_a_swap_keeps_a_pending_transfer_and_its_reserved_bed() -> None:
    state = given(
        admitted("E1", "4W-401-A"),
        admitted("E2", "4W-403-A"),
        transfer_requested("E1", "ICU"),
        bed_assigned("E1", "ICU-3-A"),
    )
    stay = apply(state, when(state, c.SwapBeds(encounter_id="E1", other_encounter_id="E2")))[
        Stays
    ].stays["E1"]
    assert (stay.bed_id, stay.transfer_to_unit_id, stay.reserved_bed_id) == (
        "4W-403-A",
        "ICU",
        "ICU-3-A",
    )


def test_a_patient_cannot_swap_with_themselves() -> None:
    state = given(admitted("E1", "4W-401-A"))
    then_refused(
        state, c.SwapBeds(encounter_id="E1", other_encounter_id="E1"), RuleViolation, "themselves"
    )


@pytest.mark.parametrize("first,second", [("E1", "E2"), ("E2", "E1")])
def test_only_patients_in_beds_can_swap(first: str, second: str) -> None:
    state = given(admitted("E1", "4W-401-A"), reserved("E2", "4W-403-A"))
    then_refused(
        state,
        c.SwapBeds(encounter_id=first, other_encounter_id=second),
        RuleViolation,
        "E2",
        "not arrived",
    )


def test_a_swap_into_a_blocked_bed_is_refused() -> None:
    # Not reachable through commands (an occupied bed cannot be blocked); the rule stands
    # guard all the same.
    state = given(admitted("E1", "4W-401-A"), admitted("E2", "4W-403-A"), blocked("4W-403-A"))
    then_refused(
        state,
        c.SwapBeds(encounter_id="E1", other_encounter_id="E2"),
        RuleViolation,
        "4W-403-A",
        "blocked",
    )


@pytest.mark.parametrize("first,second", [("E1", "E2"), ("E2", "E1")])
def test_a_swap_checks_the_room_rules_both_ways(first: str, second: str) -> None:
    # E1 (F) shares 4W-403 with E3 (F); E2 (M) lies alone in 4W-402. Either order of the
    # command, E2 would end up with E3.
    state = given(
        admitted("E1", "4W-403-A", sex="F"),
        admitted("E3", "4W-403-B", sex="F"),
        admitted("E2", "4W-402-A", sex="M"),
    )
    then_refused(
        state,
        c.SwapBeds(encounter_id=first, other_encounter_id=second),
        RuleViolation,
        "4W-403",
        "another sex",
    )


def test_a_swap_within_one_room_ignores_the_partner() -> None:
    # An update put E2 on contact precautions next to E1 (the board flags the room); a swap
    # inside the room changes nothing about who shares it, so it is not refused for that.
    state = given(
        admitted("E1", "ICU-3-A"),
        admitted("E2", "ICU-3-B"),
        patient_updated("E2", isolation="contact"),
    )
    events = when(state, c.SwapBeds(encounter_id="E1", other_encounter_id="E2"))
    assert [e.type for e in events] == ["BedsSwapped"]
    apply(state, events)
    assert room_conflicts(state, "ICU-3") == [
        "a patient on isolation precautions needs a room of their own"
    ]


def test_a_swap_checks_isolation_in_the_partners_room() -> None:
    state = given(
        admitted("E1", "4W-401-A", isolation="contact"),
        admitted("E2", "4W-403-A"),
        admitted("E3", "4W-403-B"),
    )
    then_refused(
        state,
        c.SwapBeds(encounter_id="E1", other_encounter_id="E2"),
        RuleViolation,
        "E1",
        "contact",
    )


def test_a_swap_counts_a_bed_the_partner_keeps_reserved_in_the_room() -> None:
    # E2 (M) lies in 4W-401-A and holds 4W-401-B for a transfer within the unit: after the
    # swap E1 (F) would share 4W-401 with E2's reservation.
    state = given(
        admitted("E1", "4W-403-A", sex="F"),
        admitted("E2", "4W-401-A", sex="M"),
        transfer_requested("E2", "4W"),
        bed_assigned("E2", "4W-401-B"),
    )
    then_refused(
        state,
        c.SwapBeds(encounter_id="E1", other_encounter_id="E2"),
        RuleViolation,
        "4W-401",
        "another sex",
    )
    assert room_conflicts(state, "4W-401") == []


# -- RequestTransfer / CancelTransfer -----------------------------------------------------


def test_a_transfer_is_requested_for_a_patient_in_a_bed() -> None:
    state = given(admitted("E1", "4W-401-A"))
    events = when(state, c.RequestTransfer(encounter_id="E1", to_unit_id="ICU", reason="step up"))
    assert events == [transfer_requested("E1", "ICU", "step up")]
    stay = apply(state, events)[Stays].stays["E1"]
    assert (stay.transfer_to_unit_id, stay.transfer_reason) == ("ICU", "step up")


def test_a_pending_admission_cannot_be_transferred() -> None:
    state = given(reserved("E1", "4W-401-A"))
    then_refused(
        state,
        c.RequestTransfer(encounter_id="E1", to_unit_id="ICU", reason="step up"),
        RuleViolation,
        "E1",
        "not arrived",
    )


def test_a_transfer_to_an_unknown_unit_is_not_found() -> None:
    state = given(admitted("E1", "4W-401-A"))
    then_refused(
        state,
        c.RequestTransfer(encounter_id="E1", to_unit_id="5E", reason="step up"),
        NotFound,
        "5E",
    )


def test_a_second_transfer_waits_until_the_first_is_cancelled() -> None:
    state = given(admitted("E1", "4W-401-A"), transfer_requested("E1", "ICU"))
    then_refused(
        state,
        c.RequestTransfer(encounter_id="E1", to_unit_id="4W", reason="bed change"),
        RuleViolation,
        "E1",
        "ICU",
        "cancel it first",
    )


def test_cancelling_a_transfer_releases_the_reserved_bed() -> None:
    state = given(
        admitted("E1", "4W-401-A"), transfer_requested("E1", "ICU"), bed_assigned("E1", "ICU-3-A")
    )
    events = when(state, c.CancelTransfer(encounter_id="E1", reason="improved"))
    assert events == [
        stay_event("TransferCancelled", "E1", reason="improved", released_bed_id="ICU-3-A")
    ]
    apply(state, events)
    stay, bed = state[Stays].stays["E1"], state[Beds].beds["ICU-3-A"]
    assert (stay.bed_id, stay.reserved_bed_id, stay.transfer_to_unit_id) == ("4W-401-A", None, None)
    assert (bed.occupancy, bed.encounter_id, bed.cleanliness) == ("vacant", None, "clean")


def test_cancelling_a_transfer_without_a_bed_assigned_releases_nothing() -> None:
    state = given(admitted("E1", "4W-401-A"), transfer_requested("E1", "ICU"))
    events = when(state, c.CancelTransfer(encounter_id="E1", reason="improved"))
    assert events == [
        stay_event("TransferCancelled", "E1", reason="improved", released_bed_id=None)
    ]


def test_there_is_no_transfer_to_cancel_without_a_request() -> None:
    state = given(admitted("E1", "4W-401-A"))
    then_refused(
        state,
        c.CancelTransfer(encounter_id="E1", reason="x"),
        RuleViolation,
        "E1",
        "no pending transfer",
    )


# -- OrderDischarge / DischargePatient ----------------------------------------------------


def test_a_discharge_is_ordered_with_an_expected_time() -> None:
    state = given(admitted("E1", "4W-401-A"))
    expected = dt.datetime(2025, 3, 2, 11, 0, tzinfo=dt.UTC)
    events = when(state, c.OrderDischarge(encounter_id="E1", expected_at=expected))
    assert events == [discharge_ordered("E1", "2025-03-02T11:00:00+00:00")]
    stay = apply(state, events)[Stays].stays["E1"]
    assert (stay.discharge_ordered, stay.expected_discharge) == (True, expected)


def test_a_discharge_cannot_be_ordered_before_arrival() -> None:
    state = given(admission_requested("E1"))
    then_refused(state, c.OrderDischarge(encounter_id="E1"), RuleViolation, "E1", "not arrived")


def test_a_discharged_patient_leaves_and_the_bed_turns_dirty() -> None:
    state = given(admitted("E1", "4W-401-A"), discharge_ordered("E1"))
    events = when(state, c.DischargePatient(encounter_id="E1"))
    assert events == discharged("E1", "4W-401-A")
    apply(state, events)
    stay, bed = state[Stays].stays["E1"], state[Beds].beds["4W-401-A"]
    assert (stay.status, stay.bed_id, stay.last_bed_id) == ("discharged", None, "4W-401-A")
    assert (bed.occupancy, bed.encounter_id, bed.cleanliness) == ("vacant", None, "dirty")
    assert state[Beds].beds["4W-401-A"].evs_priority is None


def test_a_discharge_releases_a_bed_reserved_for_a_transfer() -> None:
    state = given(
        admitted("E1", "4W-401-A"), transfer_requested("E1", "ICU"), bed_assigned("E1", "ICU-3-A")
    )
    events = when(state, c.DischargePatient(encounter_id="E1"))
    assert events == discharged("E1", "4W-401-A", released_bed_id="ICU-3-A")
    apply(state, events)
    assert state[Beds].beds["ICU-3-A"].occupancy == "vacant"
    assert state[Beds].beds["ICU-3-A"].cleanliness == "clean"
    assert state[Stays].stays["E1"].transfer_to_unit_id is None


def test_a_patient_who_has_not_arrived_cannot_be_discharged() -> None:
    state = given(reserved("E1", "4W-401-A"))
    then_refused(
        state,
        c.DischargePatient(encounter_id="E1"),
        RuleViolation,
        "E1",
        "cancel the admission instead",
    )


def test_a_patient_cannot_be_discharged_twice() -> None:
    state = given(admitted("E1", "4W-401-A"), discharged("E1", "4W-401-A"))
    then_refused(state, c.DischargePatient(encounter_id="E1"), RuleViolation, "E1", "discharged")


# -- CancelAdmission ----------------------------------------------------------------------


def test_cancelling_a_pending_admission_releases_its_reserved_bed_clean() -> None:
    state = given(reserved("E1", "4W-401-A"))
    events = when(state, c.CancelAdmission(encounter_id="E1", reason="went elsewhere"))
    assert events == [
        stay_event(
            "AdmissionCancelled",
            "E1",
            reason="went elsewhere",
            bed_id=None,
            released_bed_id="4W-401-A",
        )
    ]
    apply(state, events)
    assert state[Stays].stays["E1"].status == "cancelled"
    bed = state[Beds].beds["4W-401-A"]
    assert (bed.occupancy, bed.encounter_id, bed.cleanliness) == ("vacant", None, "clean")


def test_cancelling_the_admission_of_an_arrived_patient_leaves_the_bed_dirty() -> None:
    state = given(admitted("E1", "4W-401-A"))
    events = when(state, c.CancelAdmission(encounter_id="E1", reason="entered in error"))
    assert events == [
        stay_event(
            "AdmissionCancelled",
            "E1",
            reason="entered in error",
            bed_id="4W-401-A",
            released_bed_id=None,
        ),
        vacated("4W-401-A"),
    ]
    apply(state, events)
    assert state[Stays].stays["E1"].bed_id is None
    bed = state[Beds].beds["4W-401-A"]
    assert (bed.occupancy, bed.encounter_id, bed.cleanliness) == ("vacant", None, "dirty")


# -- CancelDischarge ----------------------------------------------------------------------


def test_cancelling_a_discharge_order_keeps_the_patient_where_they_are() -> None:
    state = given(admitted("E1", "4W-401-A"), discharge_ordered("E1"))
    events = when(state, c.CancelDischarge(encounter_id="E1", reason="fever"))
    assert events == [stay_event("DischargeOrderCancelled", "E1", reason="fever")]
    stay = apply(state, events)[Stays].stays["E1"]
    assert (stay.discharge_ordered, stay.bed_id) == (False, "4W-401-A")


def test_there_is_no_discharge_to_cancel_without_an_order() -> None:
    state = given(admitted("E1", "4W-401-A"))
    then_refused(
        state,
        c.CancelDischarge(encounter_id="E1", reason="x"),
        RuleViolation,
        "E1",
        "no discharge to cancel",
    )


@pytest.mark.parametrize(
    "history",
    [
        pytest.param([reserved("E1", "4W-401-A")], id="pending"),
        pytest.param([admission_requested("E1"), cancelled_admission("E1")], id="cancelled"),
    ],
)
def test_a_stay_never_discharged_has_no_discharge_to_undo(history: list[Any]) -> None:
    state = given(*history)
    then_refused(
        state,
        c.CancelDischarge(encounter_id="E1", reason="x"),
        RuleViolation,
        "E1",
        "never discharged",
    )


def test_a_cancelled_discharge_puts_the_patient_back_into_the_dirty_bed_made_clean() -> None:
    state = given(admitted("E1", "4W-401-A"), discharged("E1", "4W-401-A"))
    events = when(state, c.CancelDischarge(encounter_id="E1", reason="never left"))
    assert events == [
        stay_event("DischargeCancelled", "E1", reason="never left", bed_id="4W-401-A", unit_id="4W")
    ]
    apply(state, events)
    stay, bed = state[Stays].stays["E1"], state[Beds].beds["4W-401-A"]
    assert (stay.status, stay.bed_id) == ("admitted", "4W-401-A")
    assert (bed.occupancy, bed.encounter_id, bed.cleanliness, bed.dirty_since) == (
        "occupied",
        "E1",
        "clean",
        None,
    )


def test_a_cancelled_discharge_puts_the_patient_back_into_the_bed_cleaned_since() -> None:
    state = given(
        admitted("E1", "4W-401-A"),
        discharged("E1", "4W-401-A"),
        cleaning_started("4W-401-A"),
        bed_event("BedCleaned", "4W-401-A"),
    )
    assert [e.type for e in when(state, c.CancelDischarge(encounter_id="E1", reason="x"))] == [
        "DischargeCancelled"
    ]


@pytest.mark.parametrize(
    "since",
    [
        pytest.param(admitted("E2", "4W-401-A"), id="occupied"),
        pytest.param(reserved("E2", "4W-401-A"), id="reserved"),
    ],
)
def test_a_discharge_cannot_be_undone_into_a_bed_holding_another_patient(since: Any) -> None:
    state = given(
        admitted("E1", "4W-401-A"),
        discharged("E1", "4W-401-A"),
        cleaning_started("4W-401-A"),
        bed_event("BedCleaned", "4W-401-A"),
        since,
    )
    then_refused(
        state,
        c.CancelDischarge(encounter_id="E1", reason="x"),
        RuleViolation,
        "4W-401-A",
        "another patient",
        "request a new admission",
    )


def test_a_discharge_cannot_be_undone_into_a_bed_blocked_since() -> None:
    state = given(
        admitted("E1", "4W-401-A"), discharged("E1", "4W-401-A"), blocked("4W-401-A", "staffing")
    )
    then_refused(
        state,
        c.CancelDischarge(encounter_id="E1", reason="x"),
        RuleViolation,
        "4W-401-A",
        "blocked",
        "staffing",
    )


def test_a_discharge_cannot_be_undone_into_a_bed_being_cleaned() -> None:
    state = given(
        admitted("E1", "4W-401-A"), discharged("E1", "4W-401-A"), cleaning_started("4W-401-A")
    )
    then_refused(
        state,
        c.CancelDischarge(encounter_id="E1", reason="x"),
        RuleViolation,
        "4W-401-A",
        "being cleaned",
    )


def test_a_discharge_cannot_be_undone_into_a_room_that_now_breaks_a_rule() -> None:
    state = given(
        admitted("E1", "4W-401-A", sex="F"),
        discharged("E1", "4W-401-A"),
        admitted("E2", "4W-401-B", sex="M"),
    )
    then_refused(
        state, c.CancelDischarge(encounter_id="E1", reason="x"), RuleViolation, "4W-401", "sex"
    )


def test_a_discharge_cannot_be_undone_once_the_patient_has_another_active_stay() -> None:
    state = given(
        admitted("E1", "4W-401-A", mrn="M1"),
        discharged("E1", "4W-401-A"),
        admission_requested("E2", mrn="M1"),
    )
    then_refused(
        state,
        c.CancelDischarge(encounter_id="E1", reason="x"),
        RuleViolation,
        "M1",
        "E2",
    )


def test_a_discharge_cannot_be_undone_into_a_bed_removed_since() -> None:
    state = given(
        admitted("E1", "4W-401-A"),
        discharged("E1", "4W-401-A"),
        bed_event("BedRemoved", "4W-401-A"),
    )
    then_refused(
        state,
        c.CancelDischarge(encounter_id="E1", reason="x"),
        RuleViolation,
        "4W-401-A",
        "no longer exists",
    )


# -- UpdatePatient / AssignNurse ----------------------------------------------------------


def test_an_update_records_only_what_changed() -> None:
    state = given(admitted("E1", "4W-401-A", sex="F"))
    events = when(
        state,
        c.UpdatePatient(
            encounter_id="E1",
            sex="F",
            family_name="Smith",
            given_name="Janet",
            fall_risk=True,
            birth_date=dt.date(1950, 4, 2),
        ),
    )
    assert events == [patient_updated("E1", given_name="Janet", fall_risk=True)]
    stay = apply(state, events)[Stays].stays["E1"]
    assert (stay.given_name, stay.fall_risk) == ("Janet", True)


def test_an_update_that_changes_nothing_records_nothing() -> None:
    state = given(admitted("E1", "4W-401-A", sex="F"))
    assert when(state, c.UpdatePatient(encounter_id="E1")) == []
    assert when(state, c.UpdatePatient(encounter_id="E1", sex="F", isolation="none")) == []


def test_an_update_to_the_expected_discharge_already_ordered_records_nothing() -> None:
    state = given(admitted("E1", "4W-401-A"))
    expected = dt.datetime(2025, 3, 2, 11, 0, tzinfo=dt.UTC)
    apply(state, when(state, c.OrderDischarge(encounter_id="E1", expected_at=expected)))
    assert when(state, c.UpdatePatient(encounter_id="E1", expected_discharge=expected)) == []
    later = expected + dt.timedelta(hours=2)
    assert when(state, c.UpdatePatient(encounter_id="E1", expected_discharge=later)) == [
        patient_updated("E1", expected_discharge="2025-03-02T13:00:00+00:00")
    ]


def test_an_update_of_a_pending_admission_is_recorded() -> None:
    state = given(admission_requested("E1"))
    assert when(state, c.UpdatePatient(encounter_id="E1", attending="Dr. Grey")) == [
        patient_updated("E1", attending="Dr. Grey")
    ]


def test_an_update_that_breaks_a_room_rule_is_recorded_and_the_room_flagged() -> None:
    # A patient's sex or precautions are clinical facts: recorded, and the board flags the
    # room.
    state = given(admitted("E1", "4W-401-A", sex="F"), admitted("E2", "4W-401-B", sex="F"))
    events = when(state, c.UpdatePatient(encounter_id="E2", sex="M", isolation="airborne"))
    assert events == [patient_updated("E2", sex="M", isolation="airborne")]
    apply(state, events)
    assert room_conflicts(state, "4W-401") == [
        "airborne precautions need a negative-pressure room",
        "a patient on isolation precautions needs a room of their own",
        "patients of different sexes share this room",
    ]


def test_a_nurse_is_assigned_once_and_recorded_by_name() -> None:
    state = given(admitted("E1", "4W-401-A"))
    events = when(state, c.AssignNurse(encounter_id="E1", nurse="nurse"))
    assert events == [stay_event("NurseAssigned", "E1", nurse="nurse", nurse_name="Noor Nurse")]
    apply(state, events)
    assert state[Stays].stays["E1"].nurse == "nurse"
    assert state[Stays].stays["E1"].nurse_name == "Noor Nurse"
    assert when(state, c.AssignNurse(encounter_id="E1", nurse="nurse")) == []


def test_a_charge_nurse_may_be_a_patients_nurse() -> None:
    state = given(admitted("E1", "4W-401-A"))
    assert when(state, c.AssignNurse(encounter_id="E1", nurse="charge")) == [
        stay_event("NurseAssigned", "E1", nurse="charge", nurse_name="Casey Charge")
    ]


def test_only_a_nurse_is_assigned_as_a_patients_nurse() -> None:
    state = given(admitted("E1", "4W-401-A"))
    then_refused(
        state, c.AssignNurse(encounter_id="E1", nurse="secretary"), RuleViolation, "not a nurse"
    )


@pytest.mark.parametrize("username", ["gone", "nobody"])
def test_a_disabled_or_unknown_user_is_not_assigned(username: str) -> None:
    state = given(admitted("E1", "4W-401-A"))
    then_refused(state, c.AssignNurse(encounter_id="E1", nurse=username), NotFound, repr(username))


# -- unknown encounters and beds ----------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        c.AssignBed(encounter_id="E404", bed_id="4W-401-B"),
        c.MarkArrived(encounter_id="E404"),
        c.MovePatient(encounter_id="E404", bed_id="4W-401-B"),
        c.SwapBeds(encounter_id="E404", other_encounter_id="E1"),
        c.SwapBeds(encounter_id="E1", other_encounter_id="E404"),
        c.RequestTransfer(encounter_id="E404", to_unit_id="ICU", reason="x"),
        c.OrderDischarge(encounter_id="E404"),
        c.DischargePatient(encounter_id="E404"),
        c.CancelAdmission(encounter_id="E404", reason="x"),
        c.CancelTransfer(encounter_id="E404", reason="x"),
        c.CancelDischarge(encounter_id="E404", reason="x"),
        c.UpdatePatient(encounter_id="E404", fall_risk=True),
        c.AssignNurse(encounter_id="E404", nurse="nurse"),
    ],
    ids=lambda command: f"{type(command).__name__}",
)
def test_an_unknown_encounter_is_not_found(command: c.Command) -> None:
    state = given(admitted("E1", "4W-401-A"))
    then_refused(state, command, NotFound, "E404")


@pytest.mark.parametrize(
    "command",
    [
        c.AssignBed(encounter_id="E2", bed_id="4W-499-Z"),
        c.MovePatient(encounter_id="E1", bed_id="4W-499-Z"),
    ],
    ids=lambda command: type(command).__name__,
)
def test_an_unknown_bed_is_not_found(command: c.Command) -> None:
    state = given(admitted("E1", "4W-401-A"), admission_requested("E2"))
    then_refused(state, command, NotFound, "4W-499-Z")
