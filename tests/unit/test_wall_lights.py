"""What the wall display says of a call light (web/wall_calls.py), with the clock in the
test's hands and the default policy: its kind in a hallway's words, where it is, whom the
escalation ladder paged last while it waits (a nurse, the charge nurse, all staff) and, once
answered, whom the clear-time re-page paged; never the note typed when it was answered; and
the wall's tiles and code-blue band as rendered."""

from __future__ import annotations

from typing import Any

import pytest
from builders import admitted
from ward import NURSE_CALL, Ward, as_, nurse_assigned

from unitboard.domain.calls.commands import AnswerCallLight, RaiseCallLight
from unitboard.domain.calls.events import CallLightRaised
from unitboard.projections.board import BoardProjection
from unitboard.web.common import macros
from unitboard.web.display import display_context
from unitboard.web.wall_calls import wall_lights

NOTE = "Mrs Whitcombe wants the bedpan"


@pytest.fixture
def ward() -> Ward:
    ward = Ward()
    ward.record(admitted("E1", "4W-401-A", family_name="Whitcombe", given_name="Jane"))
    ward.record([nurse_assigned("E1", "noor")])
    ward.record(admitted("E2", "4W-402-A", family_name="Pemberton", given_name="Ann"))
    return ward


def raise_light(ward: Ward, bed_id: str, kind: str) -> str:
    command = RaiseCallLight.model_validate({"bed_id": bed_id, "kind": kind})
    raised = ward.do(command, NURSE_CALL)[0]
    assert isinstance(raised, CallLightRaised)
    return raised.call_id


def shown(ward: Ward, call_id: str) -> dict[str, Any]:
    (light,) = [light for light in wall_lights(ward.state, "4W") if light["call_id"] == call_id]
    return light


def test_a_light_climbs_the_ladder_on_the_wall_then_is_answered_and_re_paged(ward: Ward) -> None:
    call_id = raise_light(ward, "4W-401-A", "staff_assist")
    light = shown(ward, call_id)
    assert light["kind_label"] == "Staff assist" and light["priority"] == "high"
    assert light["where"] == "4W 401-A" and light["bed"] == "401-A"
    assert light["marker"] is None
    assert light["answer_due_at"] == "2025-03-01T09:01:00+00:00"  # high: 60 s
    ward.advance(61)
    ward.fire_due()
    assert shown(ward, call_id)["marker"] == ("↑ Nurse", "Escalated, step 1: nurse paged")
    ward.advance(60)
    ward.fire_due()
    assert shown(ward, call_id)["marker"] == (
        "↑ Charge nurse",
        "Escalated, step 2: charge nurse paged",
    )
    ward.do(AnswerCallLight(call_id=call_id, note=NOTE), as_("sam"))
    assert shown(ward, call_id)["status"] == "answered"
    assert shown(ward, call_id)["marker"] is None  # answered: the ladder stopped
    ward.advance(10 * 60 + 1)  # call_clear_minutes
    ward.fire_due()
    assert shown(ward, call_id)["marker"] == (
        "↻ Nurse",
        "Answered but not cleared in time: nurse paged again",
    )
    assert NOTE not in repr(wall_lights(ward.state, "4W"))


def test_a_code_blue_pages_all_staff_and_a_routine_light_is_a_call(ward: Ward) -> None:
    code = raise_light(ward, "4W-402-A", "code_blue")
    routine = raise_light(ward, "4W-401-A", "routine")
    ward.fire_due()
    assert shown(ward, code)["marker"] == ("↑ All staff", "Escalated, step 1: all staff paged")
    assert shown(ward, code)["kind_label"] == "Code blue"
    assert shown(ward, routine)["kind_label"] == "Call"
    assert [light["call_id"] for light in wall_lights(ward.state, "4W")] == [code, routine]


def test_the_wall_puts_each_light_on_its_tile_and_a_code_blue_across_the_top(ward: Ward) -> None:
    projection = BoardProjection(ward.state)
    code = raise_light(ward, "4W-402-A", "code_blue")
    pain = raise_light(ward, "4W-401-A", "pain")
    ward.do(AnswerCallLight(call_id=pain, note=NOTE), as_("sam"))
    context = display_context(projection, "4W")
    assert [light["call_id"] for light in context["calls"]] == [code, pain]
    assert [light["call_id"] for light in context["code_blues"]] == [code]
    beds = {bed["bed_id"]: bed for room in context["rooms"] for bed in room["beds"]}
    assert [light["call_id"] for light in beds["4W-401-A"]["calls"]] == [pain]
    assert beds["4W-401-B"]["calls"] == []
    page = str(macros("_display.html").push(context))
    assert 'class="call prio-medium status-answered"' in page
    assert 'data-say="Code blue: 4W 402-A"' in page
    assert 'data-say="Call light: 401-A, pain"' in page
    assert 'Code blue</span> <span class="code-blue-dash"' in page
    assert "J. Wh." in page  # the wall's initials
    for secret in (NOTE, "Whitcombe", "Pemberton", "MRN-"):
        assert secret not in page, secret
