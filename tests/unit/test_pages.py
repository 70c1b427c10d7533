"""Pages: to a person or to a role on a unit, at most 160 characters, acknowledged by the
recipient or by one member of the role on that unit (the first acknowledgement closes it
for all; a later one is told who acknowledged it), and re-sent every page_resend_seconds
while nobody acknowledges it, each re-send recorded once."""

from __future__ import annotations

import datetime as dt

import pytest
from ward import NURSE_CALL, SCHEDULER, START, Ward, as_, types

from unitboard.domain.calls.commands import ClearCallLight, RaiseCallLight
from unitboard.domain.errors import InvalidInput, NotAllowed, NotFound, RuleViolation
from unitboard.domain.events import Event
from unitboard.domain.pages.commands import AcknowledgePage, ResendPage, SendPage
from unitboard.domain.pages.events import PageAcknowledged, PageSent
from unitboard.domain.pages.state import Pages
from unitboard.domain.registry import Due

BED = "4W-401-A"


@pytest.fixture
def ward() -> Ward:
    ward = Ward()
    ward.admit("E1", BED, nurse="noor")
    return ward


def sent(events: list[Event]) -> PageSent:
    (page,) = events
    assert isinstance(page, PageSent)
    return page


def send(ward: Ward, sender: str = "sam", **data: object) -> PageSent:
    fields: dict[str, object] = {"to": "noor", "message": "Call the lab about E1", **data}
    return sent(ward.do(SendPage.model_validate(fields), as_(sender)))


# -- sending --------------------------------------------------------------------------------


def test_a_page_to_a_person_is_sent_on_the_senders_unit_with_an_id_the_server_makes(
    ward: Ward,
) -> None:
    page = send(ward, to="noor", callback="x4410", priority="urgent")
    assert (page.page_id, page.stream_id, page.to, page.recipient) == (
        "PG-1", "page-PG-1", "noor", "person",
    )  # fmt: skip
    assert (page.unit_id, page.sent_by, page.callback, page.priority) == (
        "4W", "sam", "x4410", "urgent",
    )  # fmt: skip
    assert send(ward, to="nick").page_id == "PG-2"
    stored = ward.state[Pages].open["PG-1"]
    assert (stored.status, stored.sent_at, stored.resent) == ("sent", ward.at, 0)


def test_a_message_of_160_characters_is_sent_and_one_longer_is_refused(ward: Ward) -> None:
    assert len(send(ward, message="x" * 160).message) == 160
    long = SendPage(to="noor", message="y" * 187)
    ward.refused(long, as_("sam"), InvalidInput, "187 characters", "at most 160", "by 27")


@pytest.mark.parametrize(
    ("data", "unit"),
    [
        ({}, "4W"),  # the sender's unit
        ({"unit_id": "ICU"}, "ICU"),
        ({"regarding": "E1"}, "4W"),  # the stay's unit
    ],
)
def test_a_page_to_a_role_goes_to_its_members_on_one_unit(
    ward: Ward, data: dict[str, str], unit: str
) -> None:
    page = send(ward, to="charge_nurse", **data)
    assert (page.to, page.recipient, page.unit_id) == ("charge_nurse", "role", unit)


def test_a_page_about_a_call_light_is_on_the_lights_unit(ward: Ward) -> None:
    (raised,) = ward.do(RaiseCallLight(bed_id=BED, kind="pain"), NURSE_CALL)
    page = send(ward, "floater", to="charge_nurse", regarding=raised.call_id)  # type: ignore[attr-defined]
    assert (page.unit_id, page.regarding, page.regarding_kind) == ("4W", "CL-1", "call")


def test_a_role_with_nobody_on_the_unit_is_refused(ward: Ward) -> None:
    command = SendPage(to="evs", message="Spill in 401", unit_id="4W")
    ward.refused(command, as_("sam"), RuleViolation, "No EVS staff work on 4W now")


def test_a_page_to_a_role_needs_a_unit(ward: Ward) -> None:
    command = SendPage(to="charge_nurse", message="Need a hand")
    ward.refused(command, as_("floater"), InvalidInput, "Say which unit", "unit_id")


@pytest.mark.parametrize("to", ["nobody", "gil"])
def test_an_unknown_or_disabled_person_is_not_paged(ward: Ward, to: str) -> None:
    ward.refused(SendPage(to=to, message="hello"), as_("sam"), NotFound, to)


def test_a_page_about_something_unknown_is_refused(ward: Ward) -> None:
    command = SendPage(to="noor", message="hello", regarding="E404")
    ward.refused(command, as_("sam"), NotFound, "E404")
    ward.refused(SendPage(to="noor", message="x", unit_id="OR"), as_("sam"), NotFound, "OR")


def test_a_senders_own_page_id_is_kept_and_a_retry_records_nothing(ward: Ward) -> None:
    assert send(ward, page_id="desk-17").page_id == "desk-17"
    retry = SendPage(to="noor", message="Call the lab about E1", page_id="desk-17")
    assert ward.decide(retry, as_("sam")) == []
    other = SendPage(to="nick", message="Another page", page_id="desk-17")
    ward.refused(other, as_("sam"), RuleViolation, "desk-17", "another page")
    made_form = SendPage(to="nick", message="x", page_id="PG-99")
    ward.refused(made_form, as_("sam"), InvalidInput, "PG-99", "made by unitboard")


# -- acknowledging ----------------------------------------------------------------------------


def acknowledge(ward: Ward, page_id: str, who: str) -> PageAcknowledged:
    (done,) = ward.do(AcknowledgePage(page_id=page_id), as_(who))
    assert isinstance(done, PageAcknowledged)
    return done


def test_the_recipient_acknowledges_and_the_page_closes(ward: Ward) -> None:
    page = send(ward, to="noor")
    ward.advance(45)
    done = acknowledge(ward, page.page_id, "noor")
    assert (done.by, done.by_name) == ("noor", "Noor Nurse")
    assert ward.state[Pages].open == {}
    closed = ward.state[Pages].closed[page.page_id]
    assert (closed.status, closed.acknowledged_by, closed.acknowledged_at) == (
        "acknowledged", "noor", ward.at,
    )  # fmt: skip


def test_someone_else_may_not_acknowledge_a_persons_page(ward: Ward) -> None:
    page = send(ward, to="noor")
    command = AcknowledgePage(page_id=page.page_id)
    ward.refused(command, as_("nick"), NotAllowed, "for noor", "only they")


def test_one_member_of_the_role_on_that_unit_acknowledges_for_all(ward: Ward) -> None:
    page = send(ward, to="nurse")
    command = AcknowledgePage(page_id=page.page_id)
    ward.refused(command, as_("ivy"), NotAllowed, "the nurses of 4W")  # a nurse of the ICU
    ward.refused(command, as_("casey"), NotAllowed, "the nurses of 4W")  # another role
    acknowledge(ward, page.page_id, "nick")
    message = ward.refused(command, as_("noor"), RuleViolation, "acknowledged already")
    assert "Nick Nurse" in message


def test_a_second_tap_of_ones_own_acknowledgement_records_nothing(ward: Ward) -> None:
    page = send(ward, to="noor")
    acknowledge(ward, page.page_id, "noor")
    assert ward.decide(AcknowledgePage(page_id=page.page_id), as_("noor")) == []


def test_everyone_on_the_unit_means_its_nurses_charge_nurses_and_secretaries(
    ward: Ward,
) -> None:
    page = send(ward, "casey", to="everyone", message="Fire drill at 14:00")
    command = AcknowledgePage(page_id=page.page_id)
    ward.refused(command, as_("pat"), NotAllowed, "secretaries of 4W")  # a provider
    acknowledge(ward, page.page_id, "sam")


def test_an_unknown_page_is_not_found(ward: Ward) -> None:
    ward.refused(AcknowledgePage(page_id="nope"), as_("noor"), NotFound, "nope")


# -- re-sends ---------------------------------------------------------------------------------


def at(seconds: float) -> dt.datetime:
    return START + dt.timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("priority", "every"), [("critical", 60), ("urgent", 120), ("routine", 300)]
)
def test_an_unacknowledged_page_is_re_sent_every_period_each_re_send_recorded_once(
    ward: Ward, priority: str, every: float
) -> None:
    page = send(ward, priority=priority)
    assert ward.due() == [Due(at(every), ResendPage(page_id=page.page_id, count=1))]
    ward.advance(every)
    assert types(ward.fire_due()) == ["PageResent"]
    assert ward.decide(ResendPage(page_id=page.page_id, count=1), SCHEDULER) == []
    assert ward.due() == [Due(at(2 * every), ResendPage(page_id=page.page_id, count=2))]
    ward.advance(every)
    ward.fire_due()
    stored = ward.state[Pages].open[page.page_id]
    assert (stored.resent, stored.last_sent_at) == (2, ward.at)


def test_an_acknowledged_page_is_not_re_sent(ward: Ward) -> None:
    page = send(ward)
    acknowledge(ward, page.page_id, "noor")
    ward.advance(3600)
    assert ward.due() == []
    assert ward.decide(ResendPage(page_id=page.page_id, count=1), SCHEDULER) == []


def test_a_page_about_a_light_is_not_re_sent_once_the_light_is_cleared(ward: Ward) -> None:
    (raised,) = ward.do(RaiseCallLight(bed_id=BED, kind="pain"), NURSE_CALL)
    call_id = raised.call_id  # type: ignore[attr-defined]
    page = send(ward, to="noor", regarding=call_id)
    ward.do(ClearCallLight(call_id=call_id), as_("noor"))
    ward.advance(3600)
    assert ward.due() == []
    assert ward.decide(ResendPage(page_id=page.page_id, count=1), SCHEDULER) == []


def test_the_re_send_period_is_the_policys() -> None:
    from ward import with_policy

    ward = Ward(with_policy("[policy]\npage_resend_seconds = { routine = 2.5 }\n"))
    page = send(ward, to="noor")
    assert ward.due() == [Due(at(2.5), ResendPage(page_id=page.page_id, count=1))]


# -- what a screen offers ---------------------------------------------------------------------


def test_acknowledging_is_offered_to_whom_the_page_reaches_while_it_is_open(ward: Ward) -> None:
    from unitboard.domain.aggregates import HOUSE

    page = send(ward, to="nurse")
    for who, offered in [("noor", True), ("nick", True), ("ivy", False), ("casey", False)]:
        offers = HOUSE.offered(ward.state, "page", page.page_id, as_(who))
        assert [o.command for o in offers] == (["AcknowledgePage"] if offered else []), who
    acknowledge(ward, page.page_id, "noor")
    assert HOUSE.offered(ward.state, "page", page.page_id, as_("nick")) == []
