"""What happened to an order: entered, acknowledged, co-signed, discontinued, and overdue
for its co-signature. Each order is a stream of its own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from unitboard.domain.events import Event
from unitboard.domain.orders.values import OrderCategory, OrderMode, OrderPriority


def order_stream(order_id: str) -> str:
    return f"order-{order_id}"


class OrderEvent(Event, frozen=True, kw_only=True):
    TOUCHES: ClassVar[Mapping[str, tuple[str, ...]]] = {"order": ("order_id",)}
    order_id: str

    @property
    def stream_id(self) -> str:
        return order_stream(self.order_id)


class OrderEntered(OrderEvent, frozen=True, kw_only=True):
    """Entered by `by` on the direction of `directing_provider`, heard by `received_by`;
    `mrn` and `birth_date` are the identifiers typed from the requisition (they matched);
    `unit_id`: the patient's unit when it was entered."""

    TOUCHES: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "order": ("order_id",),
        "stay": ("encounter_id",),
    }
    encounter_id: str
    unit_id: str
    mrn: str
    birth_date: str
    category: OrderCategory
    detail: str
    priority: OrderPriority
    mode: OrderMode
    directing_provider: str
    received_by: str
    read_back: bool
    by: str


class OrderAcknowledged(OrderEvent, frozen=True, kw_only=True):
    by: str


class OrderCosigned(OrderEvent, frozen=True, kw_only=True):
    by: str


class OrderDiscontinued(OrderEvent, frozen=True, kw_only=True):
    reason: str
    by: str


class OrderOverdue(OrderEvent, frozen=True, kw_only=True):
    """Past its co-sign deadline (`due_at`) unsigned; `page_id`: the page to the directing
    provider recorded with it."""

    due_at: str
    page_id: str


EVENTS: tuple[type[Event], ...] = (
    OrderEntered,
    OrderAcknowledged,
    OrderCosigned,
    OrderDiscontinued,
    OrderOverdue,
)
