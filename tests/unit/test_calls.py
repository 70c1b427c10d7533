"""Call lights: raised from a bed with a patient in it, priority from kind, a second press
records nothing, answered -> cleared, only clearing ends a light; and what falls due by
itself: the escalation ladder while a light is unanswered (skipping an assigned nurse
nobody is), code blue paging everyone at once, the re-page of a light answered but not
cleared, each recorded once however often it fires."""

from __future__ import annotations

import datetime as dt

import pytest
from builders import discharged, reserved
from ward import NURSE_CALL, SCHEDULER, START, Ward, as_, of_type, types, with_policy

from unitboard.domain.calls.commands import (
    AnswerCallLight,
    ClearCallLight,
    EscalateCallLight,
    RaiseCallLight,
    RepageCallLight,
)
from unitboard.domain.calls.state import Calls
from unitboard.domain.calls.values import CALL_KINDS, CallKind
from unitboard.domain.errors import InvalidInput, NotFound, RuleViolation
from unitboard.domain.pages.state import Pages
from unitboard.domain.registry import Due

BED = "4W-401-A"
EXPECTED_PRIORITY = {
    "code_blue": "critical",
    "staff_assist": "high",
    "bed_exit": "high",
    "bathroom": "medium",
    "pain": "medium",
    "routine": "low",
}


@pytest.fixture
def ward() -> Ward:
    """E1 in 4W-401-A with noor as their nurse; E2 in 4W-402-A with no nurse assigned."""
    ward = Ward()
    ward.admit("E1", BED, nurse="noor")
    ward.admit("E2", "4W-402-A")
    return ward


def raise_light(ward: Ward, kind: CallKind = "bathroom", bed_id: str = BED) -> str:
    events = ward.do(RaiseCallLight(bed_id=bed_id, kind=kind), NURSE_CALL)
    call_id: str = events[0].call_id  # type: ignore[attr-defined]
    return call_id


# -- raising --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", CALL_KINDS)
def test_the_kind_sets_the_priority(ward: Ward, kind: CallKind) -> None:
    (raised, *_) = ward.decide(RaiseCallLight(bed_id=BED, kind=kind), NURSE_CALL)
    assert raised.priority == EXPECTED_PRIORITY[kind]  # type: ignore[attr-defined]


def test_a_light_is_raised_for_the_patient_in_the_bed_with_an_id_the_server_makes(
    ward: Ward,
) -> None:
    (raised,) = ward.do(RaiseCallLight(bed_id=BED, kind="pain"), NURSE_CALL)
    assert raised.type == "CallLightRaised" and raised.stream_id == "call-CL-1"
    assert (raised.call_id, raised.unit_id, raised.encounter_id) == ("CL-1", "4W", "E1")  # type: ignore[attr-defined]
    (second,) = ward.do(RaiseCallLight(bed_id="4W-402-A", kind="pain"), as_("sam"))
    assert second.call_id == "CL-2"  # type: ignore[attr-defined]
    light = ward.state[Calls].active["CL-1"]
    assert (light.status, light.raised_at) == ("raised", ward.at)


def test_a_caller_may_give_its_own_id(ward: Ward) -> None:
    (raised,) = ward.do(RaiseCallLight(bed_id=BED, kind="pain", call_id="NC-900"), NURSE_CALL)
    assert raised.call_id == "NC-900"  # type: ignore[attr-defined]
    (made,) = ward.do(RaiseCallLight(bed_id="4W-402-A", kind="pain"), NURSE_CALL)
    assert made.call_id == "CL-1"  # type: ignore[attr-defined]


def test_a_second_press_of_an_active_light_records_nothing(ward: Ward) -> None:
    call_id = raise_light(ward, "bathroom")
    assert ward.decide(RaiseCallLight(bed_id=BED, kind="bathroom"), NURSE_CALL) == []
    again = RaiseCallLight(bed_id=BED, kind="bathroom", call_id=call_id)
    assert ward.decide(again, NURSE_CALL) == []
    ward.do(AnswerCallLight(call_id=call_id, note="wants help to the toilet"), as_("sam"))
    assert ward.decide(RaiseCallLight(bed_id=BED, kind="bathroom"), NURSE_CALL) == []


def test_another_kind_on_the_same_bed_is_a_light_of_its_own(ward: Ward) -> None:
    first = raise_light(ward, "bathroom")
    second = raise_light(ward, "pain")
    assert first != second
    assert set(ward.state[Calls].active) == {first, second}


def test_a_light_on_an_unknown_bed_is_refused(ward: Ward) -> None:
    command = RaiseCallLight(bed_id="4W-499-Z", kind="pain")
    ward.refused(command, NURSE_CALL, NotFound, "bed", "4W-499-Z")


@pytest.mark.parametrize("holding", ["nobody", "reserved"])
def test_a_light_on_an_empty_bed_is_refused(ward: Ward, holding: str) -> None:
    if holding == "reserved":
        ward.record(reserved("E3", "4W-403-A"))
    command = RaiseCallLight(bed_id="4W-403-A", kind="pain")
    ward.refused(command, NURSE_CALL, RuleViolation, "Bed 4W-403-A is empty")


def test_an_id_of_the_form_the_server_makes_is_not_taken_by_a_caller(ward: Ward) -> None:
    command = RaiseCallLight(bed_id=BED, kind="pain", call_id="CL-7")
    ward.refused(command, NURSE_CALL, InvalidInput, "CL-7", "made by unitboard")


def test_a_callers_id_of_another_light_is_refused(ward: Ward) -> None:
    ward.do(RaiseCallLight(bed_id=BED, kind="pain", call_id="NC-1"), NURSE_CALL)
    elsewhere = RaiseCallLight(bed_id="4W-402-A", kind="pain", call_id="NC-1")
    ward.refused(elsewhere, NURSE_CALL, RuleViolation, "NC-1", BED)
    ward.do(ClearCallLight(call_id="NC-1"), NURSE_CALL)
    reused = RaiseCallLight(bed_id=BED, kind="pain", call_id="NC-1")
    ward.refused(reused, NURSE_CALL, RuleViolation, "NC-1", "cleared", "new id")


# -- answering and clearing -------------------------------------------------------------------


def test_an_answer_notes_the_need_and_who_answered(ward: Ward) -> None:
    call_id = raise_light(ward)
    ward.advance(40)
    (answered,) = ward.do(AnswerCallLight(call_id=call_id, note="needs a bedpan"), as_("sam"))
    assert answered.type == "CallLightAnswered"
    light = ward.state[Calls].active[call_id]
    assert (light.status, light.note, light.answered_by) == ("answered", "needs a bedpan", "sam")
    assert light.answered_at == ward.at


def test_answering_again_with_the_same_note_records_nothing_and_another_note_is_refused(
    ward: Ward,
) -> None:
    call_id = raise_light(ward)
    ward.do(AnswerCallLight(call_id=call_id, note="needs a bedpan"), as_("sam"))
    assert ward.decide(AnswerCallLight(call_id=call_id, note="needs a bedpan"), as_("sam")) == []
    other = AnswerCallLight(call_id=call_id, note="wants water")
    ward.refused(other, as_("noor"), RuleViolation, "answered already", "needs a bedpan")


def test_clearing_ends_a_light_raised_or_answered(ward: Ward) -> None:
    unanswered = raise_light(ward, "bathroom")
    answered = raise_light(ward, "pain")
    ward.do(AnswerCallLight(call_id=answered, note="pain 7/10"), as_("sam"))
    ward.advance(200)
    for call_id in (unanswered, answered):
        (cleared,) = ward.do(ClearCallLight(call_id=call_id), as_("noor"))
        assert cleared.type == "CallLightCleared" and cleared.by == "noor"  # type: ignore[attr-defined]
    calls = ward.state[Calls]
    assert calls.active == {}
    assert [calls.ended[c].status for c in (unanswered, answered)] == ["cleared", "cleared"]
    assert calls.ended[answered].cleared_at == ward.at


def test_a_second_clear_records_nothing(ward: Ward) -> None:
    call_id = raise_light(ward)
    ward.do(ClearCallLight(call_id=call_id), NURSE_CALL)
    assert ward.decide(ClearCallLight(call_id=call_id), NURSE_CALL) == []


def test_a_cleared_light_is_not_answered(ward: Ward) -> None:
    call_id = raise_light(ward)
    ward.do(ClearCallLight(call_id=call_id), NURSE_CALL)
    answer = AnswerCallLight(call_id=call_id, note="late")
    ward.refused(answer, as_("sam"), RuleViolation, call_id, "cleared already")


def test_an_unknown_light_is_not_found(ward: Ward) -> None:
    ward.refused(AnswerCallLight(call_id="NC-404", note="x"), as_("sam"), NotFound, "NC-404")
    ward.refused(ClearCallLight(call_id="NC-404"), as_("noor"), NotFound, "NC-404")


def test_only_clearing_ends_a_light_the_patient_leaving_does_not(ward: Ward) -> None:
    call_id = raise_light(ward)
    ward.record(discharged("E1", BED))
    assert ward.state[Calls].active[call_id].status == "raised"
    assert ward.decide(RaiseCallLight(bed_id=BED, kind="bathroom"), NURSE_CALL) == []


def test_after_a_clear_a_new_press_is_a_new_light(ward: Ward) -> None:
    first = raise_light(ward)
    ward.do(ClearCallLight(call_id=first), NURSE_CALL)
    assert raise_light(ward) not in (first, "")


# -- the escalation ladder ----------------------------------------------------------------------


def at(seconds: float) -> dt.datetime:
    """`seconds` after the ward's start (when the lights in these tests are raised)."""
    return START + dt.timedelta(seconds=seconds)


def test_an_unanswered_light_falls_due_for_its_first_step(ward: Ward) -> None:
    call_id = raise_light(ward, "staff_assist")  # high: 60 s to the nurse, 120 s the charge
    assert ward.due() == [Due(at(60), EscalateCallLight(call_id=call_id, step=0))]
    ward.advance(59)
    assert ward.due_now() == []


def test_each_step_pages_its_people_once_with_a_page_sent_by_the_system(ward: Ward) -> None:
    call_id = raise_light(ward, "staff_assist")
    ward.advance(60)
    first = ward.fire_due()
    assert types(first) == ["CallLightEscalated", "PageSent"]
    escalated, page = first
    assert (escalated.step, escalated.to, escalated.page_id) == (0, "noor", "PG-1")  # type: ignore[attr-defined]
    assert page.sent_by == "system" and page.recipient == "person"  # type: ignore[attr-defined]
    assert (page.to, page.priority, page.regarding, page.step) == ("noor", "urgent", call_id, 0)  # type: ignore[attr-defined]
    assert "4W-401-A" in page.message and "1 min" in page.message  # type: ignore[attr-defined]
    assert ward.due()[0] == Due(at(120), EscalateCallLight(call_id=call_id, step=1))
    ward.advance(60)
    (escalated, page) = ward.fire_due()
    assert (escalated.step, escalated.to) == (1, "charge_nurse")  # type: ignore[attr-defined]
    assert (page.to, page.recipient, page.unit_id) == ("charge_nurse", "role", "4W")  # type: ignore[attr-defined]
    light = ward.state[Calls].active[call_id]
    assert [(e.step, e.to, e.page_id) for e in light.escalations] == [
        (0, "noor", "PG-1"),
        (1, "charge_nurse", "PG-2"),
    ]
    assert not [d for d in ward.due() if isinstance(d.command, EscalateCallLight)]


def test_firing_a_step_again_records_nothing(ward: Ward) -> None:
    call_id = raise_light(ward, "staff_assist")
    ward.advance(60)
    step = EscalateCallLight(call_id=call_id, step=0)
    ward.do(step, SCHEDULER)
    assert ward.decide(step, SCHEDULER) == []
    assert ward.decide(EscalateCallLight(call_id=call_id, step=5), SCHEDULER) == []


def test_a_step_not_yet_reached_records_nothing(ward: Ward) -> None:
    call_id = raise_light(ward, "staff_assist")
    assert ward.decide(EscalateCallLight(call_id=call_id, step=1), SCHEDULER) == []


def test_an_unknown_assigned_nurse_skips_to_the_next_step_at_once(ward: Ward) -> None:
    call_id = raise_light(ward, "bed_exit", bed_id="4W-402-A")  # E2 has no nurse
    ward.advance(60)
    (escalated, page) = ward.fire_due()
    assert (escalated.step, escalated.to) == (1, "charge_nurse")  # type: ignore[attr-defined]
    assert (page.to, page.step) == ("charge_nurse", 1)  # type: ignore[attr-defined]
    assert not [d for d in ward.due() if isinstance(d.command, EscalateCallLight)]
    assert ward.decide(EscalateCallLight(call_id=call_id, step=1), SCHEDULER) == []


def test_a_disabled_nurse_counts_as_unknown(ward: Ward) -> None:
    ward.admit("E3", "4W-403-A", nurse="gil")
    raise_light(ward, "bed_exit", bed_id="4W-403-A")
    ward.advance(60)
    (escalated, _page) = ward.fire_due()
    assert escalated.to == "charge_nurse"  # type: ignore[attr-defined]


@pytest.mark.parametrize("how", ["answered", "cleared"])
def test_an_answered_or_cleared_light_escalates_no_more(ward: Ward, how: str) -> None:
    call_id = raise_light(ward, "staff_assist")
    if how == "answered":
        ward.do(AnswerCallLight(call_id=call_id, note="needs a hand"), as_("sam"))
    else:
        ward.do(ClearCallLight(call_id=call_id), as_("noor"))
    ward.advance(600)
    assert not [d for d in ward.due() if isinstance(d.command, EscalateCallLight)]
    assert ward.decide(EscalateCallLight(call_id=call_id, step=0), SCHEDULER) == []


def test_a_code_blue_pages_everyone_at_once_with_the_light(ward: Ward) -> None:
    events = ward.do(RaiseCallLight(bed_id=BED, kind="code_blue"), NURSE_CALL)
    assert types(events) == ["CallLightRaised", "CallLightEscalated", "PageSent"]
    page = events[2]
    assert (page.to, page.recipient, page.priority, page.sent_by) == (  # type: ignore[attr-defined]
        "everyone", "everyone", "critical", "system",
    )  # fmt: skip
    assert "CODE BLUE" in page.message  # type: ignore[attr-defined]
    light = ward.state[Calls].active[events[0].call_id]  # type: ignore[attr-defined]
    assert [(e.step, e.to) for e in light.escalations] == [(0, "everyone")]
    assert not [d for d in ward.due() if isinstance(d.command, EscalateCallLight)]


def test_the_ladder_and_its_times_come_from_the_policy_in_force() -> None:
    ward = Ward(
        with_policy(
            "[policy.call_escalation]\n"
            'medium = [{ after_seconds = 1.5, to = "charge_nurse" }, '
            '{ after_seconds = 4, to = "everyone" }]\n'
        )
    )
    ward.admit("E1", BED, nurse="noor")
    call_id = raise_light(ward, "pain")
    assert ward.due()[0] == Due(at(1.5), EscalateCallLight(call_id=call_id, step=0))
    ward.advance(4)
    fired = ward.fire_due()
    assert [e.to for e in of_type(fired, "CallLightEscalated")] == ["charge_nurse", "everyone"]  # type: ignore[attr-defined]


# -- answered, not cleared ----------------------------------------------------------------------


def test_an_answered_light_not_cleared_in_time_pages_the_nurse_again_once(ward: Ward) -> None:
    call_id = raise_light(ward, "pain")
    ward.advance(30)
    ward.do(AnswerCallLight(call_id=call_id, note="pain 8/10"), as_("sam"))
    repage = Due(at(30 + 600), RepageCallLight(call_id=call_id))
    assert repage in ward.due()
    ward.advance(600)
    fired = ward.fire_due()
    assert types(fired) == ["CallLightRepaged", "PageSent"]
    repaged, page = fired
    assert repaged.to == "noor" and page.to == "noor" and page.step is None  # type: ignore[attr-defined]
    assert "pain 8/10" in page.message and page.sent_by == "system"  # type: ignore[attr-defined]
    assert ward.decide(RepageCallLight(call_id=call_id), SCHEDULER) == []
    assert not [d for d in ward.due() if isinstance(d.command, RepageCallLight)]


def test_the_re_page_without_a_nurse_goes_to_the_charge_nurses(ward: Ward) -> None:
    call_id = raise_light(ward, "pain", bed_id="4W-402-A")
    ward.do(AnswerCallLight(call_id=call_id, note="pain"), as_("sam"))
    ward.advance(600)
    (repaged, _page) = ward.fire_due()
    assert repaged.to == "charge_nurse"  # type: ignore[attr-defined]


def test_a_light_cleared_in_time_is_not_re_paged(ward: Ward) -> None:
    call_id = raise_light(ward, "pain")
    ward.do(AnswerCallLight(call_id=call_id, note="pain"), as_("sam"))
    ward.advance(300)
    ward.do(ClearCallLight(call_id=call_id), as_("noor"))
    ward.advance(600)
    assert ward.due_now() == []
    assert ward.decide(RepageCallLight(call_id=call_id), SCHEDULER) == []
    assert ward.state[Pages].open == {}
