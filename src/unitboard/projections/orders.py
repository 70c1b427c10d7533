"""Orders as the API and the screens read them: each order as the contract's ORDER (with
the names of the people in its record and what a screen shows it as), a stay's orders, the
orders awaiting a provider's co-signature (overdue first, then oldest), the new orders of a
nurse's patients, and how many co-signatures are overdue on a unit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from unitboard.domain.context import People
from unitboard.domain.hospital import Hospital
from unitboard.domain.orders.state import Order, Orders
from unitboard.domain.orders.timing import cosign_due_at
from unitboard.domain.orders.values import (
    CATEGORY_LABELS,
    MODE_LABELS,
    PRIORITY_LABELS,
    STATE_LABELS,
)
from unitboard.domain.stays.state import Stays


def order_view(hospital: Hospital, order: Order) -> dict[str, Any]:
    """The contract's ORDER, and the record's other facts (who received it, who co-signed,
    the discontinuation). No patient identity: the encounter id only."""
    return {
        "order_id": order.order_id,
        "encounter_id": order.encounter_id,
        "unit_id": order.unit_id,
        "category": order.category,
        "detail": order.detail,
        "priority": order.priority,
        "mode": order.mode,
        "directing_provider": order.directing_provider,
        "received_by": order.received_by,
        "read_back": order.read_back,
        "status": "active" if order.active else "discontinued",
        "state": order.state,
        "entered_by": order.entered_by,
        "entered_at": order.entered_at,
        "acknowledged_by": order.acknowledged_by,
        "acknowledged_at": order.acknowledged_at,
        "cosigned_by": order.cosigned_by,
        "cosigned_at": order.cosigned_at,
        "cosign_due_at": cosign_due_at(hospital, order).isoformat(),
        "overdue": order.overdue,
        "discontinued_by": order.discontinued_by,
        "discontinued_at": order.discontinued_at,
        "discontinue_reason": order.discontinue_reason,
    }


def order_labels(order: Order, people: People) -> dict[str, Any]:
    """What a screen prints for an order: its words, and the people's names."""

    def name(username: str | None) -> str | None:
        if username is None:
            return None
        person = people.person(username)
        return person.name if person is not None else username

    return {
        "category_label": CATEGORY_LABELS[order.category],
        "priority_label": PRIORITY_LABELS[order.priority],
        "mode_label": MODE_LABELS[order.mode],
        "state_label": STATE_LABELS[order.state],
        "directing_name": name(order.directing_provider),
        "received_name": name(order.received_by),
        "entered_name": name(order.entered_by),
        "acknowledged_name": name(order.acknowledged_by),
        "cosigned_name": name(order.cosigned_by),
        "discontinued_name": name(order.discontinued_by),
    }


def stay_orders(hospital: Hospital, encounter_id: str) -> list[Order]:
    """A stay's orders, newest first."""
    return list(reversed(hospital[Orders].of_stay(encounter_id)))


def _queue_key(order: Order) -> tuple[bool, str]:
    return (not order.overdue, order.entered_at)


def awaiting_cosign(
    hospital: Hospital, provider: str | None = None, units: Iterable[str] | None = None
) -> list[Order]:
    """The orders awaiting co-signature (of one directing provider, or on some units),
    overdue first, then oldest first."""
    allowed = set(units) if units is not None else None
    found = [
        order
        for order in hospital[Orders].unsigned.values()
        if (provider is None or order.directing_provider == provider)
        and (allowed is None or order.unit_id in allowed)
    ]
    return sorted(found, key=_queue_key)


def new_orders_for(hospital: Hospital, encounter_ids: Iterable[str]) -> list[Order]:
    """The active orders nobody has acknowledged yet, of these stays, STAT first, then
    oldest first."""
    part = hospital[Orders]
    found = [
        order
        for encounter_id in encounter_ids
        for order in part.of_stay(encounter_id)
        if order.active and order.acknowledged_by is None
    ]
    return sorted(found, key=lambda o: (o.priority != "stat", o.entered_at))


def overdue_count(hospital: Hospital, unit_id: str) -> int:
    """Co-signatures overdue on a unit: orders of its patients now (the wall's count)."""
    stays = hospital[Stays].stays
    count = 0
    for order in hospital[Orders].unsigned.values():
        if not order.overdue:
            continue
        stay = stays.get(order.encounter_id)
        where = stay.unit_id if stay is not None and stay.active else order.unit_id
        count += where == unit_id
    return count
