"""What a person's phone shows (projections/personal.py): the pages that reach them (theirs,
their role's on their units, everyone's on their units), open first, most urgent then
newest, and those acknowledged within the shift, a few; the lights a nurse answers for
(her patients'), a charge nurse (her units') and a provider (none); and a patient named by
bed, room, initials and the call's kind only."""

from __future__ import annotations

import datetime as dt

import pytest
from builders import admitted
from ward import NURSE_CALL, PEOPLE, Ward, as_, nurse_assigned

from unitboard.domain.calls.commands import AnswerCallLight, RaiseCallLight
from unitboard.domain.calls.events import CallLightRaised
from unitboard.domain.context import Person
from unitboard.domain.pages.commands import AcknowledgePage, SendPage
from unitboard.domain.pages.events import PageSent
from unitboard.domain.pages.state import Page, Pages
from unitboard.projections.personal import (
    DONE_KEPT,
    call_card,
    dialled,
    mine,
    my_calls,
    my_pages,
    page_card,
)


def person(username: str) -> Person:
    found = PEOPLE.person(username)
    assert found is not None
    return found


@pytest.fixture
def ward() -> Ward:
    ward = Ward()
    ward.record(admitted("E1", "4W-401-A", family_name="Whitcombe", given_name="Jane"))
    ward.record([nurse_assigned("E1", "noor")])
    ward.record(admitted("E2", "4W-402-A", family_name="Pemberton"))
    ward.record([nurse_assigned("E2", "nick")])
    ward.record(admitted("E3", "ICU-1-A", family_name="Abernathy"))
    return ward


def page(ward: Ward, sender: str = "sam", **data: object) -> str:
    fields: dict[str, object] = {"to": "noor", "message": "Call the lab", **data}
    (sent,) = ward.do(SendPage.model_validate(fields), as_(sender))
    assert isinstance(sent, PageSent)
    ward.advance(1)
    return sent.page_id


def light(ward: Ward, bed_id: str, kind: str = "bathroom") -> str:
    command = RaiseCallLight.model_validate({"bed_id": bed_id, "kind": kind})
    raised = ward.do(command, NURSE_CALL)[0]
    assert isinstance(raised, CallLightRaised)
    ward.advance(1)
    return raised.call_id


def ids(pages: list[Page]) -> list[str]:
    return [p.page_id for p in pages]


def test_the_pages_that_reach_a_nurse_open_most_urgent_then_newest(ward: Ward) -> None:
    own = page(ward, to="noor")
    role = page(ward, to="nurse", unit_id="4W", priority="urgent")
    everyone = page(ward, to="everyone", unit_id="4W")
    page(ward, to="nurse", unit_id="ICU", sender="iris")  # another unit's nurses
    page(ward, to="casey")  # someone else
    critical = page(ward, to="noor", priority="critical")
    opened, done = my_pages(ward.state, person("noor"), ward.now)
    assert ids(opened) == [critical, role, everyone, own]
    assert done == []
    assert ids(my_pages(ward.state, person("pat"), ward.now)[0]) == []


def test_an_acknowledged_page_is_done_for_everyone_it_reached_for_a_shift(ward: Ward) -> None:
    role = page(ward, to="nurse", unit_id="4W")
    ward.do(AcknowledgePage(page_id=role), as_("nick"))
    for nurse in ("noor", "nick"):
        opened, done = my_pages(ward.state, person(nurse), ward.now)
        assert (ids(opened), ids(done)) == ([], [role])
    card = page_card(ward.state, done[0], person("noor"), {"sam": "Sam Secretary"})
    assert (card["acknowledged_by"], card["sender"], card["open"]) == (
        "Nick Nurse",
        "Sam Secretary",
        False,
    )
    later = ward.now + dt.timedelta(hours=12, seconds=1)
    assert my_pages(ward.state, person("noor"), later)[1] == []


def test_the_done_list_keeps_the_latest_few(ward: Ward) -> None:
    made = [page(ward, to="noor") for _ in range(DONE_KEPT + 3)]
    for page_id in made:
        ward.do(AcknowledgePage(page_id=page_id), as_("noor"))
    done = my_pages(ward.state, person("noor"), ward.now)[1]
    assert ids(done) == list(reversed(made))[:DONE_KEPT]
    card = page_card(ward.state, done[0], person("noor"), {})
    assert card["acknowledged_by"] == "you"


def test_a_nurse_sees_the_lights_of_her_patients_a_charge_nurse_her_units_a_provider_none(
    ward: Ward,
) -> None:
    noors = light(ward, "4W-401-A", "bathroom")
    nicks = light(ward, "4W-402-A", "code_blue")
    light(ward, "ICU-1-A")
    assert [c.call_id for c in my_calls(ward.state, person("noor"))] == [noors]
    assert [c.call_id for c in my_calls(ward.state, person("casey"))] == [nicks, noors]
    assert my_calls(ward.state, person("pat")) == []
    ward.record([nurse_assigned("E1", "nick")])  # her patient, handed over
    assert my_calls(ward.state, person("noor")) == []


def test_a_floating_nurses_phone_follows_her_patients_to_another_unit(ward: Ward) -> None:
    ward.record([nurse_assigned("E3", "noor")])
    icu = light(ward, "ICU-1-A")
    shown = mine(ward.state, person("noor"), ward.now)
    assert icu in [c.call_id for c in shown.calls]
    assert shown.units == {"4W", "ICU"}


def test_a_light_names_the_patient_by_bed_room_initials_and_kind_only(ward: Ward) -> None:
    call_id = light(ward, "4W-401-A", "bathroom")
    ward.do(AnswerCallLight(call_id=call_id, note="wants the bathroom"), as_("sam"))
    (call,) = my_calls(ward.state, person("noor"))
    card = call_card(ward.state, call, {"noor": "Noor Nurse"}, person("casey"))
    assert (card["bed"], card["room"], card["initials"], card["kind_label"]) == (
        "401-A", "401", "J. Wh.", "Bathroom",
    )  # fmt: skip
    assert (card["nurse"], card["status"], card["note"]) == (
        "Noor Nurse",
        "answered",
        "wants the bathroom",
    )
    about = page_card(
        ward.state,
        ward.state[Pages].open[page(ward, to="noor", regarding=call_id)],
        person("noor"),
        {},
    )["about"]
    assert about is not None and (about["bed"], about["kind"], about["initials"]) == (
        "401-A", "Bathroom", "J. Wh.",
    )  # fmt: skip
    said = repr(card) + repr(about)
    for kept_off in ("Whitcombe", "MRN-E1", "1950"):
        assert kept_off not in said


def test_an_escalation_is_from_escalation_and_pages_you(ward: Ward) -> None:
    call_id = light(ward, "4W-401-A", "staff_assist")
    ward.advance(3600)
    ward.fire_due()
    opened, _ = my_pages(ward.state, person("noor"), ward.now)
    escalation = next(p for p in opened if p.regarding == call_id)
    card = page_card(ward.state, escalation, person("noor"), {})
    assert (card["escalation"], card["sender"], card["to"]) == (True, "Escalation", "To you")
    (call,) = my_calls(ward.state, person("noor"))
    assert call_card(ward.state, call, {}, person("noor"))["paged"] == "the charge nurses"  # step 2


@pytest.mark.parametrize(
    ("callback", "number"),
    [("555-0142", "5550142"), ("+1 (555) 014-2000", "+15550142000"), ("x4410", None), ("12", None)],
)
def test_a_callback_is_dialled_only_when_it_is_a_number(callback: str, number: str | None) -> None:
    assert dialled(callback) == number
