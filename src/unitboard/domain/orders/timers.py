"""What falls due by itself on orders: an unsigned order passing its co-sign deadline. The
scheduler sends it as the system role when its time comes."""

from __future__ import annotations

from collections.abc import Iterator

from unitboard.domain.hospital import Hospital
from unitboard.domain.orders.commands import MarkOrderOverdue
from unitboard.domain.orders.state import Orders
from unitboard.domain.orders.timing import cosign_due_at
from unitboard.domain.registry import Due


def deadlines(state: Hospital) -> Iterator[Due]:
    for order in state[Orders].unsigned.values():
        if order.overdue_at is None:
            yield Due(cosign_due_at(state, order), MarkOrderOverdue(order_id=order.order_id))


TIMERS = (deadlines,)
