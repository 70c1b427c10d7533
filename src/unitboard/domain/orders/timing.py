"""An order's co-sign deadline, from its recorded entry time and the policy in force."""

from __future__ import annotations

import datetime as dt

from unitboard.domain.hospital import Hospital
from unitboard.domain.orders.state import Order
from unitboard.domain.policy.state import PolicyInForce


def cosign_due_at(state: Hospital, order: Order) -> dt.datetime:
    hours = state[PolicyInForce].policy.cosign_deadline_hours
    return dt.datetime.fromisoformat(order.entered_at) + dt.timedelta(hours=hours)
