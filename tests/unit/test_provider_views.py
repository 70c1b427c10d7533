"""What the provider's co-sign queue shows, worked out from the hospital alone: only the
orders entered on the provider's behalf and still unsigned, overdue first (with the
deadline it passed) and then oldest; each with the patient in full beside the MRN and birth
date (a confidential stay too, marked so; its alias to a role that may not read the name),
where they lie, the order, its priority, mode and read-back, who entered and who received
it, and Co-sign only where the domain offers it; a discontinued order still to sign; the
answer to a co-sign (what was signed, what was refused and why); which batches redraw whose
queue; and a batch drawn once per provider however many screens show it."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace
from typing import Any, cast

import pytest
from builders import admitted, patient_updated
from test_orders import order
from ward import STAFF, Ward

from unitboard.domain.context import Context, KnownPeople, Person
from unitboard.domain.errors import DomainError
from unitboard.domain.orders.commands import CosignOrder, DiscontinueOrder
from unitboard.domain.orders.events import OrderEntered
from unitboard.domain.orders.state import Orders
from unitboard.domain.stays.commands import MovePatient
from unitboard.projections.board import BoardProjection
from unitboard.realtime.screens import Screen, ScreenHub
from unitboard.runtime import Runtime
from unitboard.service.auth import Actor
from unitboard.store import StoredEvent
from unitboard.web.common import macros
from unitboard.web.provider import (
    order_row,
    outcome,
    patient_of,
    provider_view,
    provider_views,
    queue_context,
    refusal,
    render,
)
from unitboard.web.transport import ChangedOnly

PEOPLE = KnownPeople([*STAFF, Person("priya", "Priya Provider", "provider", ("ICU",))])
"""The ward's staff (pat, a provider of 4W; sam, the secretary; noor, a nurse) and a second
provider, priya, of the ICU."""
DEADLINE = dt.timedelta(hours=48)
"""The co-sign deadline of the policy in force (the default)."""


def as_(username: str) -> Context:
    person = PEOPLE.person(username)
    assert person is not None, username
    return Context(username, person.role, PEOPLE)


def enter(ward: Ward, encounter_id: str = "E1", by: str = "sam", **data: Any) -> str:
    [event] = ward.do(order(encounter_id, **data), as_(by))
    assert isinstance(event, OrderEntered)
    return event.order_id


@pytest.fixture
def ward() -> Ward:
    """E1 (Jane Smith) in 4W-401-A; E2 (Chidi Okafor, confidential) in ICU-3-A."""
    ward = Ward()
    ward.admit("E1", "4W-401-A")
    ward.record(
        admitted(
            "E2",
            "ICU-3-A",
            unit_id="ICU",
            family_name="Okafor",
            given_name="Chidi",
            confidential=True,
        )
    )
    return ward


def ids(context: dict[str, Any]) -> list[str]:
    return [row["order_id"] for row in context["rows"]]


def queue(ward: Ward, provider: str = "pat", **kw: Any) -> dict[str, Any]:
    return queue_context(ward.state, provider, PEOPLE, **kw)


def text(html: str) -> str:
    """The words of a fragment, as a person reads them."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


# -- what the queue holds ---------------------------------------------------------------------


def test_the_queue_holds_my_unsigned_orders_overdue_first_then_oldest(ward: Ward) -> None:
    first = enter(ward)
    ward.advance(600)
    second = enter(ward, "E2", mode="telephone", read_back=True)
    ward.advance(600)
    elsewhere = enter(ward, directing_provider="priya")
    ward.advance(600)
    signed = enter(ward)
    ward.do(CosignOrder(order_id=signed), as_("pat"))
    assert ids(queue(ward)) == [first, second]
    assert ids(queue(ward, "priya")) == [elsewhere]

    ward.advance(DEADLINE.total_seconds() - 1500)  # past the first's deadline, not the second's
    ward.fire_due()
    ward.advance(60)
    third = enter(ward)
    mine = queue(ward)
    assert ids(mine) == [first, second, third]
    assert [row["overdue"] for row in mine["rows"]] == [True, False, False]
    assert mine["counts"] == {"awaiting": 3, "overdue": 1}

    ward.advance(600)
    ward.fire_due()  # the second turns overdue too: overdue ones first, oldest first among them
    assert [row["overdue"] for row in queue(ward)["rows"]] == [True, True, False]


def test_an_order_shows_the_patient_in_full_where_they_lie_and_the_order_as_recorded(
    ward: Ward,
) -> None:
    order_id = enter(
        ward,
        category="imaging",
        detail="Chest X-ray, portable",
        priority="stat",
        mode="telephone",
        read_back=True,
        received_by="noor",
    )
    [row] = queue(ward)["rows"]
    assert row["patient"] == {
        "name": "Smith, Jane",
        "mrn": "MRN-E1",
        "birth_date": "1950-04-02",
        "confidential": False,
    }
    assert row["where"] == {"unit_id": "4W", "bed": "401-A"}
    assert (row["category_label"], row["priority_label"], row["mode_label"]) == (
        "Imaging",
        "STAT",
        "Telephone",
    )
    assert (row["heard"], row["read_back"]) == (True, True)
    assert (row["entered_name"], row["received_name"]) == ("Sam Secretary", "Noor Nurse")
    entered = dt.datetime.fromisoformat(row["entered_at"])
    assert dt.datetime.fromisoformat(row["cosign_due_at"]) == entered + DEADLINE
    assert row["offers"]["CosignOrder"] is not None

    html = str(macros("_provider.html").order_row(row))
    words = text(html)
    for part in (
        "Smith, Jane",
        "MRN-E1 · DOB 1950-04-02",
        "4W 401-A",
        "Imaging STAT",
        order_id,
        "Chest X-ray, portable",
        "Telephone, read back",
        "Sam Secretary",
        "Noor Nurse",
    ):
        assert part in words, (part, words)
    assert f'id="pv-sel-{order_id}"' in html and f'id="pv-cosign-{order_id}"' in html
    assert "Overdue" not in words


def test_an_overdue_order_is_red_and_says_how_long_past_its_deadline(ward: Ward) -> None:
    order_id = enter(ward)
    ward.advance(DEADLINE.total_seconds() + 5)
    ward.fire_due()
    [row] = queue(ward)["rows"]
    html = str(macros("_provider.html").order_row(row))
    assert 'class="pv-order is-overdue' in html
    assert "Overdue" in text(html)
    assert f'data-age="{row["cosign_due_at"]}"' in html  # ticks how long past, in the browser
    assert f'id="pv-order-{order_id}"' in html


def test_a_confidential_patient_is_named_to_the_provider_and_marked_confidential(
    ward: Ward,
) -> None:
    enter(ward, "E2")
    [row] = queue(ward)["rows"]
    assert row["patient"] == {
        "name": "Okafor, Chidi",
        "mrn": "MRN-E2",
        "birth_date": "1950-04-02",
        "confidential": True,
    }
    assert row["where"] == {"unit_id": "ICU", "bed": "3-A"}
    assert "Confidential" in text(str(macros("_provider.html").order_row(row)))


def test_a_role_that_may_not_read_a_confidential_name_gets_the_alias_and_no_identifiers(
    ward: Ward,
) -> None:
    order_id = enter(ward, "E2")
    shown = patient_of(ward.state, ward.state[Orders].order(order_id), "evs")
    assert shown["name"].startswith("Confidential ")
    assert (shown["mrn"], shown["birth_date"], shown["confidential"]) == (None, None, False)


def test_a_discontinued_order_is_still_to_sign_and_says_why_it_was_stopped(ward: Ward) -> None:
    order_id = enter(ward)
    ward.do(DiscontinueOrder(order_id=order_id, reason="Patient refused"), as_("casey"))
    [row] = queue(ward)["rows"]
    assert row["status"] == "discontinued"
    words = text(str(macros("_provider.html").order_row(row)))
    assert "Discontinued: Patient refused (Casey Charge)" in words
    assert row["offers"]["CosignOrder"] is not None


def test_no_co_sign_is_offered_to_a_provider_who_did_not_direct_the_order(ward: Ward) -> None:
    order_id = enter(ward)
    order = ward.state[Orders].order(order_id)
    row = order_row(ward.state, order, PEOPLE, as_("priya"))
    assert row["offers"]["CosignOrder"] is None
    html = str(macros("_provider.html").order_row(row))
    assert "pv-cosign" not in html and 'type="checkbox"' not in html


def test_an_order_entered_through_a_token_names_the_token(ward: Ward) -> None:
    desk = Context("token:desk", "secretary", PEOPLE)
    ward.do(order(), desk)
    [row] = queue(ward)["rows"]
    assert (row["entered_name"], row["received_name"]) == ("desk", "desk")


def test_a_patient_moved_since_the_order_shows_where_they_lie_now(ward: Ward) -> None:
    enter(ward)
    ward.do(MovePatient(encounter_id="E1", bed_id="4W-402-A"), as_("sam"))
    [row] = queue(ward)["rows"]
    assert row["where"] == {"unit_id": "4W", "bed": "402-A"}


# -- the page's parts -------------------------------------------------------------------------


def test_an_empty_queue_says_nothing_to_co_sign_and_the_counts_are_zero(ward: Ward) -> None:
    context = queue(ward)
    html = render(ward.state, "pat", PEOPLE)
    assert "Nothing to co-sign." in text(html)
    assert context["counts"] == {"awaiting": 0, "overdue": 0}
    assert 'id="pv-counts"' in html and 'id="pv-queue"' in html
    assert html.count('hx-swap-oob="true"') == 2  # a push carries the counts and the queue only


def test_the_header_counts_what_awaits_and_what_is_overdue(ward: Ward) -> None:
    enter(ward)
    ward.advance(DEADLINE.total_seconds() + 5)
    ward.fire_due()
    enter(ward)
    counts = text(str(macros("_provider.html").counts(queue(ward))))
    assert counts == "2 awaiting 1 overdue"


def test_the_answer_to_a_co_sign_names_what_was_signed_and_what_was_refused_and_why(
    ward: Ward,
) -> None:
    signed_here, signed_elsewhere = enter(ward), enter(ward)
    ward.do(CosignOrder(order_id=signed_elsewhere), as_("pat"))
    ward.do(CosignOrder(order_id=signed_here), as_("pat"))
    signed_at = ward.state[Orders].order(signed_elsewhere).cosigned_at
    refused = {
        "order_id": signed_elsewhere,
        "what": f"{signed_elsewhere}, Lab for Smith, Jane",
        "cosigned_at": signed_at,
        "message": "Order is co-signed already.",
    }
    result = outcome(2, [f"{signed_here}, Lab for Smith, Jane"], [refused])
    html = str(macros("_provider.html").answer(queue(ward, result=result)))
    words = text(html)
    assert f"Co-signed 1 of 2: {signed_here}, Lab for Smith, Jane." in words
    assert (
        f"Not co-signed: {signed_elsewhere}, Lab for Smith, Jane — it was co-signed already, at"
        in words
    )
    assert f'datetime="{signed_at}"' in html
    assert 'id="pv-result"' in html and 'role="alert"' in html
    assert "Nothing to co-sign." in words  # the queue beside it, as it is now


def test_an_order_signed_already_is_refused_with_when_it_was_signed(ward: Ward) -> None:
    order_id = enter(ward)
    ward.do(CosignOrder(order_id=order_id), as_("pat"))
    with pytest.raises(DomainError) as caught:
        ward.decide(CosignOrder(order_id=order_id), as_("pat"))
    said = refusal(ward.state, order_id, caught.value, Actor("pat", "provider"))
    assert said["what"] == f"{order_id}, Lab for Smith, Jane"
    assert said["cosigned_at"] == ward.state[Orders].order(order_id).cosigned_at
    with pytest.raises(DomainError) as unknown:
        ward.decide(CosignOrder(order_id="OR-404"), as_("pat"))
    said = refusal(ward.state, "OR-404", unknown.value, Actor("pat", "provider"))
    assert (said["what"], said["cosigned_at"]) == ("OR-404", None)
    assert "OR-404" in said["message"]


# -- which batches redraw whose queue, and how often ------------------------------------------


def stored(ward: Ward, since: int = 0) -> list[StoredEvent]:
    """The ward's log from entry `since` on, as the store hands it out."""
    return [
        StoredEvent(n, event.stream_id, 1, event, {}, at)
        for n, (event, at) in enumerate(ward.log, start=1)
        if n > since
    ]


def test_a_batch_redraws_the_queues_of_the_providers_whose_orders_it_touches(
    ward: Ward,
) -> None:
    shown = {provider_view("pat"), provider_view("priya"), provider_view("nobody")}
    before = len(ward.log)
    enter(ward)
    assert provider_views(ward.state, stored(ward, before), shown) == ["provider:pat"]

    before = len(ward.log)
    enter(ward, "E2", directing_provider="priya")
    enter(ward)
    assert provider_views(ward.state, stored(ward, before), shown) == [
        "provider:pat",
        "provider:priya",
    ]
    assert provider_views(ward.state, stored(ward, before), {"provider:priya"}) == [
        "provider:priya"
    ]


def test_a_change_to_a_patient_redraws_the_queues_holding_their_unsigned_orders(
    ward: Ward,
) -> None:
    shown = {provider_view("pat"), provider_view("priya")}
    enter(ward, "E2", directing_provider="priya")
    before = len(ward.log)
    ward.record([patient_updated("E2", family_name="Okafor-Ali")])
    assert provider_views(ward.state, stored(ward, before), shown) == ["provider:priya"]
    before = len(ward.log)
    ward.record([patient_updated("E1", family_name="Smythe")])  # no order of E1 awaits
    assert provider_views(ward.state, stored(ward, before), shown) == []


def test_a_layout_or_policy_change_redraws_every_queue(ward: Ward) -> None:
    shown = {provider_view("pat"), provider_view("priya")}
    layout = [StoredEvent(1, "layout", 1, event, {}, ward.at) for event, _ in ward.log[:1]]
    assert sorted(provider_views(ward.state, layout, shown)) == sorted(shown)


class Socket:
    def __init__(self) -> None:
        self.received: list[str] = []

    async def send(self, text: str) -> None:
        self.received.append(text)

    async def drop(self, position: int) -> None:
        raise AssertionError("no screen is dropped here")


def hub_over(projection: BoardProjection) -> ScreenHub:
    runtime = cast(Runtime, SimpleNamespace(projection=projection))
    renderer = ChangedOnly(
        runtime, lambda hospital, view: render(hospital, view.split(":", 1)[1], PEOPLE)
    )
    hub = ScreenHub(projection, renderer, 8, str, lambda events: [])

    def views_of(events: list[StoredEvent]) -> list[str]:
        return provider_views(projection.hospital, events, hub.views.keys())

    hub.views_of = views_of
    return hub


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_a_batch_is_drawn_once_per_provider_however_many_screens_show_it(
    ward: Ward, anyio_backend: str
) -> None:
    projection = BoardProjection()
    projection.apply(stored(ward))
    hub = hub_over(projection)
    sockets: dict[str, list[Socket]] = {}
    for provider in ("pat", "priya"):
        sockets[provider] = [Socket() for _ in range(20)]
        for socket in sockets[provider]:
            hub.subscribe(provider_view(provider), Screen(socket.send, 8, socket.drop), 0)
    others = [Socket() for _ in range(20)]  # the screens of a provider with nothing to sign
    for socket in others:
        hub.subscribe(provider_view("nobody"), Screen(socket.send, 8, socket.drop), 0)

    before = len(ward.log)
    for _ in range(5):
        enter(ward)  # five orders for pat in one batch
    enter(ward, "E2", directing_provider="priya")
    batch = stored(ward, before)
    projection.apply(batch)
    hub.publish(batch)
    assert hub.renders == 2  # pat's queue once, priya's once: not per event, not per screen
    assert hub.deliveries == 40
    for socket in sockets["pat"]:
        assert text(socket.received[-1]).startswith("5 awaiting")
    assert all(len(socket.received) == 1 for socket in others)  # the snapshot alone

    before = len(ward.log)
    ward.record([patient_updated("E1", attending="Dr. Who")])  # nothing a queue shows
    batch = stored(ward, before)
    projection.apply(batch)
    hub.publish(batch)
    assert hub.renders == 2  # drawn, found alike, not pushed
    assert all(len(socket.received) == 2 for socket in sockets["pat"])


def test_the_overdue_label_is_on_the_row_and_in_the_queue_heading(ward: Ward) -> None:
    enter(ward)
    ward.advance(DEADLINE.total_seconds() + 5)
    ward.fire_due()
    html = str(macros("_provider.html").queue(queue(ward)))
    assert "1 overdue" in text(html)
