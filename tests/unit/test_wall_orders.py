"""Orders on the wall display: a hallway screen shows nothing of what a patient is ordered
(no category, detail, priority, mode, id or provider); its header counts the unit's orders
past their co-sign deadline ("Co-signs overdue"), only while there are any, and its fan-out
re-sends the header when an order turns overdue and when it is co-signed."""

from __future__ import annotations

import re
from typing import Any

import pytest
from builders import admitted
from ward import Ward, as_, nurse_assigned, with_policy

from unitboard.domain.orders.commands import CosignOrder, EnterOrder
from unitboard.domain.orders.events import OrderEntered
from unitboard.domain.orders.values import CATEGORIES, CATEGORY_LABELS, MODE_LABELS
from unitboard.projections.board import BoardProjection
from unitboard.web.common import macros
from unitboard.web.display import DisplayRenderer, display_context, display_view

DEADLINE_SECONDS = 36
"""cosign_deadline_hours = 0.01."""


@pytest.fixture
def ward() -> Ward:
    """Whitcombe in 4W-401-A (Noor's), Okafor in ICU-3-A; co-signs due after 36 seconds."""
    ward = Ward(with_policy("[policy]\ncosign_deadline_hours = 0.01\n"))
    ward.record(admitted("E1", "4W-401-A", family_name="Whitcombe", given_name="Jane"))
    ward.record([nurse_assigned("E1", "noor")])
    ward.record(admitted("E2", "ICU-3-A", unit_id="ICU", family_name="Okafor", sex="M"))
    return ward


def enter(ward: Ward, encounter_id: str, category: str, **data: Any) -> str:
    command = EnterOrder.model_validate(
        {
            "encounter_id": encounter_id,
            "mrn": f"MRN-{encounter_id}",
            "birth_date": "1950-04-02",
            "category": category,
            "detail": f"Zebra detail {category} {encounter_id}",
            "mode": "written",
            "directing_provider": "pat",
            **data,
        }
    )
    [event] = ward.do(command, as_("noor"))
    assert isinstance(event, OrderEntered)
    return event.order_id


def wall(ward: Ward, unit_id: str = "4W") -> tuple[dict[str, Any], str]:
    context = display_context(BoardProjection(ward.state), unit_id)
    return context, str(macros("_display.html").push(context))


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


NEVER_ON_THE_WALL = [
    *(CATEGORY_LABELS[c] for c in CATEGORIES),
    *MODE_LABELS.values(),
    "STAT",
    "Zebra detail",
    "OR-",
    "Pat Provider",
    "order",
]


def test_the_wall_counts_overdue_cosigns_and_never_shows_an_order(ward: Ward) -> None:
    _, before = wall(ward)
    for word in NEVER_ON_THE_WALL:
        assert not re.search(rf"\b{re.escape(word)}", text(before), re.I), word
    mine = [
        enter(ward, "E1", category, priority="stat" if i % 2 else "routine")
        for i, category in enumerate(CATEGORIES)
    ]
    enter(ward, "E2", "lab", mode="telephone", read_back=True)  # the ICU's

    context, html = wall(ward)
    assert context["cosigns_overdue"] == 0 and "Co-signs overdue" not in html
    ward.advance(DEADLINE_SECONDS)
    assert len(ward.fire_due()) == 2 * (len(CATEGORIES) + 1)  # each: overdue, and a page
    context, html = wall(ward)
    assert context["cosigns_overdue"] == len(CATEGORIES)
    stat = re.search(r'<div class="stat stat-cosigns-overdue">.*?</div>', html, re.S)
    assert stat is not None and text(stat.group(0)).split() == [
        str(len(CATEGORIES)),
        "Co-signs",
        "overdue",
    ]
    assert wall(ward, "ICU")[0]["cosigns_overdue"] == 1
    shown = text(html).replace("Co-signs overdue", "")
    for word in NEVER_ON_THE_WALL:
        assert not re.search(rf"\b{re.escape(word)}", shown, re.I), word
    for attribute in re.findall(r'(?:data-say|title|aria-label)="([^"]*)"', html):
        assert "Zebra" not in attribute and "OR-" not in attribute, attribute

    for order_id in mine:
        ward.do(CosignOrder(order_id=order_id), as_("pat"))
    context, html = wall(ward)
    assert context["cosigns_overdue"] == 0 and "Co-signs overdue" not in html


def test_the_walls_fan_out_re_sends_the_header_when_a_cosign_turns_overdue_and_when_signed(
    ward: Ward,
) -> None:
    renderer = DisplayRenderer(BoardProjection(ward.state))
    view = display_view("4W")
    renderer.snapshot(view)
    order_id = enter(ward, "E1", "consult")
    assert renderer.changes(view) is None  # a new order: the wall looks the same
    ward.advance(DEADLINE_SECONDS)
    ward.fire_due()
    pushed = renderer.changes(view)
    assert pushed is not None and 'id="display-stats"' in pushed
    assert "Co-signs overdue" in pushed and 'id="room-' not in pushed  # the header only
    ward.do(CosignOrder(order_id=order_id), as_("pat"))
    pushed = renderer.changes(view)
    assert pushed is not None and 'id="display-stats"' in pushed
    assert "Co-signs overdue" not in pushed
