"""The new orders on a nurse's phone: the orders entered for the patients they carry out
orders for, that nobody has acknowledged yet and that are still active, STAT first, then the
oldest; each with one tap to acknowledge it.

Whose orders reach whom: a nurse, those of the patients assigned to them (on any unit: a
nurse may float); a charge nurse, those of their own patients and of the patients of their
units who have no nurse assigned, so that a new order never waits on nobody's phone (the
unit's other orders are their nurses', and the station lists them all). A provider signs
orders rather than acknowledging them: their queue is elsewhere.

A phone names a patient as it names them everywhere: bed, room and initials (an alias for
a confidential stay); the order itself (category, detail, priority, how it was given, who
directed it, when it was entered) is what the nurse acts on."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from unitboard.domain.context import People, Person
from unitboard.domain.hospital import Hospital
from unitboard.domain.orders.state import Order, Orders
from unitboard.domain.stays.state import Stay, Stays
from unitboard.projections.orders import new_orders_for, order_labels
from unitboard.projections.personal import bed_label, initials_of, room_label

ORDER_SCOPE = {"nurse": "assigned", "charge_nurse": "assigned_and_uncovered"}
"""Whose new orders a role acknowledges on its phone (see the module's docstring)."""


def my_patients(hospital: Hospital, person: Person) -> list[Stay]:
    """The current stays whose new orders reach `person`'s phone."""
    scope = ORDER_SCOPE.get(person.role)
    if scope is None:
        return []
    stays = hospital[Stays].open_stays.values()
    if scope == "assigned":
        return [s for s in stays if s.nurse == person.username]
    return [
        s
        for s in stays
        if s.nurse == person.username or (s.nurse is None and s.unit_id in person.units)
    ]


def my_new_orders(hospital: Hospital, person: Person) -> list[Order]:
    """The new orders `person` is to acknowledge, STAT first, then the oldest."""
    return new_orders_for(hospital, [s.encounter_id for s in my_patients(hospital, person)])


def order_key(order: Order) -> tuple[bool, str]:
    """The list's order: STAT first, then the oldest."""
    return (order.priority != "stat", order.entered_at)


def order_row(hospital: Hospital, order: Order, people: People) -> dict[str, Any]:
    """What the phone shows of an order: the patient by bed, room and initials; the order in
    full; and its state (a row kept only to carry a refusal is no longer new)."""
    stay = hospital[Stays].stays.get(order.encounter_id)
    bed_id = stay.bed_id if stay is not None else None
    return {
        "order_id": order.order_id,
        "priority": order.priority,
        "category": order.category,
        "detail": order.detail,
        "mode": order.mode,
        "read_back": order.read_back,
        "entered_at": order.entered_at,
        "state": order.state,
        "unit_id": stay.unit_id if stay is not None else order.unit_id,
        "bed": bed_label(hospital, bed_id) if bed_id else None,
        "room": room_label(hospital, bed_id),
        "initials": initials_of(hospital, order.encounter_id),
        **order_labels(order, people),
    }


def refused_orders(hospital: Hospital, order_ids: Iterable[str]) -> list[Order]:
    """The orders of these ids that exist: a tap refused on a row no longer new (discontinued
    or acknowledged by someone else meanwhile) keeps its row, to carry the refusal."""
    orders = hospital[Orders].orders
    return [orders[i] for i in order_ids if i in orders]
