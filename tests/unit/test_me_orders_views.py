"""The new orders on a nurse's phone (/me; web/me_orders.py, templates/_me_orders.html): the
orders of her patients (on any unit) that nobody has acknowledged and nobody discontinued,
STAT first, then the oldest; a charge nurse's own patients and her units' patients with no
nurse; none for a provider. Each row names the patient by bed, room and initials and the
order in full, with one Acknowledge; a tap refused on a row no longer new keeps the row
to carry the refusal. A batch with an order event redraws the phones it may change."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any, cast

import pytest
from builders import admitted
from ward import PEOPLE, Ward, as_, nurse_assigned

from unitboard.domain.context import Person
from unitboard.domain.events import Event
from unitboard.domain.orders.commands import AcknowledgeOrder, DiscontinueOrder, EnterOrder
from unitboard.domain.orders.events import OrderEntered
from unitboard.projections.board import BoardProjection
from unitboard.realtime.screens import TouchedUnits
from unitboard.runtime import Runtime
from unitboard.store import StoredEvent
from unitboard.web.common import macros
from unitboard.web.me import ACTIONS, PHONE_COMMANDS, PersonalViews, me_view

DOB = "1950-04-02"


def person(username: str) -> Person:
    found = PEOPLE.person(username)
    assert found is not None
    return found


class Phones:
    """The ward's phones as the server draws them: the projection the ward's decisions fold
    into, and the phones' views over it."""

    def __init__(self, ward: Ward) -> None:
        self.ward = ward
        self.projection = BoardProjection(ward.state)
        runtime = SimpleNamespace(
            projection=self.projection,
            registry=ward.state.registry,
            touched=TouchedUnits(self.projection),
        )
        self.views = PersonalViews(cast(Runtime, runtime))
        self.views.staff.people = PEOPLE
        self.views.staff.names = {p.username: p.name for p in PEOPLE.everyone()}
        self.position = 0

    def do(self, command: Any, username: str) -> list[StoredEvent]:
        """`command` as `username`, recorded as the log would hand it to the fan-out."""
        return [self.stored(event) for event in self.ward.do(command, as_(username))]

    def stored(self, event: Event) -> StoredEvent:
        self.position += 1
        return StoredEvent(self.position, event.stream_id, 1, event, {}, self.ward.at)

    def enter(self, encounter_id: str, by: str = "sam", **data: Any) -> str:
        command = EnterOrder.model_validate(
            {
                "encounter_id": encounter_id,
                "mrn": f"MRN-{encounter_id}",
                "birth_date": DOB,
                "category": "lab",
                "detail": f"CBC for {encounter_id}",
                "mode": "written",
                "directing_provider": "pat",
                **data,
            }
        )
        [recorded] = self.do(command, by)
        assert isinstance(recorded.event, OrderEntered)
        self.ward.advance(60)
        return recorded.event.order_id

    def context(self, username: str, errors: dict[str, str] | None = None) -> dict[str, Any]:
        return self.views.context(person(username), errors)

    def listed(self, username: str) -> list[str]:
        return [row["order_id"] for row in self.context(username)["orders"]]

    def html(self, username: str, errors: dict[str, str] | None = None) -> str:
        return str(macros("_me.html").sections(self.context(username, errors)))


@pytest.fixture
def phones() -> Phones:
    """4W: Whitcombe (401-A, Noor's), Pemberton (402-A, Nick's), Abernathy (403-A, nobody's);
    ICU: Okafor (ICU-3-A, Noor's, who floats there) and Lindqvist (ICU-3-B, nobody's)."""
    ward = Ward()
    ward.record(admitted("E1", "4W-401-A", family_name="Whitcombe", given_name="Jane"))
    ward.record([nurse_assigned("E1", "noor")])
    ward.record(admitted("E2", "4W-402-A", family_name="Pemberton"))
    ward.record([nurse_assigned("E2", "nick")])
    ward.record(admitted("E3", "4W-403-A", family_name="Abernathy"))
    ward.record(admitted("E4", "ICU-3-A", unit_id="ICU", family_name="Okafor", sex="M"))
    ward.record([nurse_assigned("E4", "noor")])
    ward.record(admitted("E5", "ICU-3-B", unit_id="ICU", family_name="Lindqvist"))
    return Phones(ward)


def test_a_nurse_sees_the_new_orders_of_her_patients_stat_first_then_the_oldest(
    phones: Phones,
) -> None:
    first = phones.enter("E1")
    stat = phones.enter("E4", priority="stat")  # her patient on another unit
    nicks = phones.enter("E2")
    acknowledged = phones.enter("E1")
    phones.do(AcknowledgeOrder(order_id=acknowledged), "noor")
    stopped = phones.enter("E1")
    phones.do(DiscontinueOrder(order_id=stopped, reason="Drawn in ED already"), "pat")
    latest = phones.enter("E1")

    assert phones.listed("noor") == [stat, first, latest]
    assert phones.listed("nick") == [nicks]
    assert phones.context("noor")["new_orders"] == 3
    phones.do(AcknowledgeOrder(order_id=stat), "ivy")  # another nurse took it
    assert phones.listed("noor") == [first, latest]


def test_a_charge_nurse_sees_her_units_patients_with_no_nurse_and_a_provider_none(
    phones: Phones,
) -> None:
    phones.enter("E1")  # Noor's
    nobodys = phones.enter("E3")
    icu = phones.enter("E5")
    assert phones.listed("casey") == [nobodys]
    assert phones.listed("iris") == [icu]
    phones.ward.record([nurse_assigned("E3", "casey")])
    assert phones.listed("casey") == [nobodys]  # now hers
    phones.ward.record([nurse_assigned("E3", "nick")])
    assert phones.listed("casey") == [] and phones.listed("nick") == [nobodys]

    provider = phones.context("pat")
    assert (provider["shows_orders"], provider["orders"]) == (False, [])
    html = phones.html("pat")
    assert 'id="me-pages"' in html and 'id="me-orders"' not in html


def card_of(html: str, order_id: str) -> str:
    found = re.search(rf'<li id="me-order-{order_id}".*?</li>', html, re.S)
    assert found is not None, order_id
    return found.group(0)


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_a_row_names_the_patient_by_bed_room_and_initials_and_the_order_in_full(
    phones: Phones,
) -> None:
    order_id = phones.enter(
        "E1",
        category="imaging",
        detail="Chest X-ray, portable, this evening",
        priority="stat",
        mode="telephone",
        read_back=True,
    )
    [row] = phones.context("noor")["orders"]
    assert (row["bed"], row["room"], row["initials"], row["unit_id"]) == (
        "401-A",
        "401",
        "J. Wh.",
        "4W",
    )
    assert (row["category_label"], row["priority_label"], row["mode_label"]) == (
        "Imaging",
        "STAT",
        "Telephone",
    )
    assert row["directing_name"] == "Pat Provider" and row["offers"]["AcknowledgeOrder"]

    html = phones.html("noor")
    card = card_of(html, order_id)
    shown = words(card)
    for said in (
        "401-A",
        "4W · Room 401 · J. Wh.",
        "STAT",
        "Imaging Chest X-ray, portable, this evening",
        "Telephone, read back · directed by Pat Provider",
    ):
        assert said in shown, said
    assert f'data-age="{row["entered_at"]}"' in card
    assert f'<time class="local-time" datetime="{row["entered_at"]}">' in card
    assert f'hx-post="/me/order/{order_id}/acknowledge"' in card
    assert 'hx-target="#me-orders"' in card and "data-gone" not in card
    assert 'class="me-card me-order prio-stat"' in card
    assert 'data-say="STAT order: 401-A, Imaging"' in card
    assert "1 new" in words(html)
    for secret in ("Whitcombe", "Jane", "MRN-E1", DOB, "E1"):
        assert secret not in words(html), secret


def test_no_new_orders_says_so_and_whose_orders_these_are(phones: Phones) -> None:
    shown = words(phones.html("noor"))
    assert "New orders 0 new" in shown and "No new orders." in shown
    assert "Orders for the patients assigned to you" in shown
    assert "with no nurse assigned" in words(phones.html("casey"))


def test_a_refused_tap_keeps_its_row_without_the_button_and_one_on_no_order_tops_the_list(
    phones: Phones,
) -> None:
    stopped = phones.enter("E1")
    waiting = phones.enter("E1")
    phones.do(DiscontinueOrder(order_id=stopped, reason="Changed plan"), "pat")
    message = f"Order {stopped} was discontinued (Changed plan): there is nothing to acknowledge."
    errors = {f"order-{stopped}": message, "order-OR-404": "There is no order OR-404."}
    context = phones.context("noor", errors)
    assert [(r["order_id"], r["listed"]) for r in context["orders"]] == [
        (stopped, False),
        (waiting, True),
    ]
    assert context["new_orders"] == 1
    html = str(macros("_me.html").sections(context))
    card = card_of(html, stopped)
    assert "data-gone" in card and message in card and "Discontinued by Pat Provider" in card
    assert "hx-post" not in card  # nothing left to acknowledge
    assert 'hx-post="/me/order/' + waiting in card_of(html, waiting)
    section = html.split('id="me-orders"', 1)[1]
    assert section.index("There is no order OR-404.") < section.index("me-order-")


def test_the_answer_to_a_tap_on_an_order_swaps_the_orders_in_place_and_the_rest_beside(
    phones: Phones,
) -> None:
    assert ACTIONS[("order", "acknowledge")] == ("AcknowledgeOrder", "order_id")
    assert "AcknowledgeOrder" in PHONE_COMMANDS
    phones.enter("E1")
    answer = str(macros("_me.html").answer(phones.context("noor"), "order"))
    assert '<section id="me-orders" class="me-section" aria-labelledby' in answer
    assert re.search(r'<section id="me-pages"[^>]*hx-swap-oob="true"', answer)
    assert re.search(r'<section id="me-calls"[^>]*hx-swap-oob="true"', answer)
    for kind in ("page", "call"):
        other = str(macros("_me.html").answer(phones.context("noor"), kind))
        assert re.search(r'<section id="me-orders"[^>]*hx-swap-oob="true"', other), kind


def test_an_order_for_her_patient_redraws_her_phone_and_only_the_phones_it_changes(
    phones: Phones,
) -> None:
    views = phones.views
    for username in ("noor", "nick", "casey", "ivy", "pat"):
        views.people[me_view(username)] = person(username)
        assert views.changes(me_view(username)) is not None  # the first push learns the units

    command = EnterOrder.model_validate(
        {
            "encounter_id": "E4",
            "mrn": "MRN-E4",
            "birth_date": DOB,
            "category": "diet",
            "detail": "NPO after midnight",
            "mode": "written",
            "directing_provider": "pat",
        }
    )
    batch = phones.do(command, "sam")
    entered = batch[0].event
    assert isinstance(entered, OrderEntered)
    order_id = entered.order_id
    affected = set(views.views_of(batch))
    assert me_view("noor") in affected  # her patient, on the ICU
    assert me_view("nick") not in affected and me_view("casey") not in affected
    pushed = {view: views.changes(view) for view in affected}
    noors = pushed.pop(me_view("noor"))
    assert noors is not None and f'id="me-order-{order_id}"' in noors
    assert 'id="me-orders" class="me-section"' in noors and 'hx-swap-oob="true"' in noors
    assert all(p is None for p in pushed.values()), "nothing changed on the other phones"

    batch = phones.do(AcknowledgeOrder(order_id=order_id), "ivy")
    assert me_view("noor") in set(views.views_of(batch))
    after = views.changes(me_view("noor"))
    assert after is not None and f"me-order-{order_id}" not in after


def test_a_charge_nurses_own_patient_on_another_unit_redraws_her_phone(phones: Phones) -> None:
    views, casey = phones.views, me_view("casey")
    views.people[casey] = person("casey")
    phones.ward.record([nurse_assigned("E5", "casey")])  # an ICU patient, hers
    assert views.changes(casey) is not None
    assert "ICU" in views.units[casey]
    order_id = phones.enter("E5", by="noor", category="medication", detail="Heparin per protocol")
    assert phones.listed("casey") == [order_id]
    batch = phones.do(AcknowledgeOrder(order_id=order_id), "ivy")
    assert casey in set(views.views_of(batch))
