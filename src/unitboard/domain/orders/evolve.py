"""Folding the order events into the orders part."""

from __future__ import annotations

from unitboard.domain.events import Event
from unitboard.domain.orders import events as e
from unitboard.domain.orders.state import Order, Orders
from unitboard.domain.orders.values import ORDER_ID
from unitboard.domain.registry import Evolver


def entered(part: Orders, event: e.OrderEntered, at: str) -> None:
    order = Order(
        event.order_id,
        event.encounter_id,
        event.unit_id,
        event.category,
        event.detail,
        event.priority,
        event.mode,
        event.directing_provider,
        event.received_by,
        event.read_back,
        entered_by=event.by,
        entered_at=at,
    )
    part.orders[order.order_id] = order
    part.of_stays.setdefault(order.encounter_id, []).append(order.order_id)
    part.unsigned[order.order_id] = order
    if (made := ORDER_ID.fullmatch(event.order_id)) is not None:
        part.made = max(part.made, int(made.group(1)))


def acknowledged(part: Orders, event: e.OrderAcknowledged, at: str) -> None:
    order = part.orders[event.order_id]
    order.acknowledged_by, order.acknowledged_at = event.by, at


def cosigned(part: Orders, event: e.OrderCosigned, at: str) -> None:
    order = part.orders[event.order_id]
    order.cosigned_by, order.cosigned_at = event.by, at
    part.unsigned.pop(event.order_id, None)


def discontinued(part: Orders, event: e.OrderDiscontinued, at: str) -> None:
    order = part.orders[event.order_id]
    order.discontinued_by, order.discontinued_at = event.by, at
    order.discontinue_reason = event.reason


def overdue(part: Orders, event: e.OrderOverdue, at: str) -> None:
    order = part.orders[event.order_id]
    order.overdue_at, order.overdue_page = at, event.page_id


EVOLVERS: dict[type[Event], Evolver] = {
    e.OrderEntered: entered,
    e.OrderAcknowledged: acknowledged,
    e.OrderCosigned: cosigned,
    e.OrderDiscontinued: discontinued,
    e.OrderOverdue: overdue,
}
