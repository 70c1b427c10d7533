"""What people ask of an order, and what the scheduler sends (in the system role) when an
unsigned order passes its co-sign deadline."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import StringConstraints

from unitboard.domain.commands import Command, Id, Reason
from unitboard.domain.orders.values import MAX_DETAIL, OrderCategory, OrderMode, OrderPriority

Detail = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_DETAIL)
]
Typed = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class EnterOrder(Command):
    """An order a provider directs. `mrn` and `birth_date` are typed from the requisition
    (never picked): both must match the stay. A verbal or telephone order needs `read_back`
    true: it was read back to the provider, who confirmed it. `received_by`: who heard it
    (a verbal order relayed by a nurse: that nurse); left out, the one entering it.
    `order_id`: the caller's own id; left out, unitboard makes one (OR-1, OR-2, ...)."""

    encounter_id: Id
    mrn: Typed
    birth_date: dt.date
    category: OrderCategory
    detail: Detail
    priority: OrderPriority = "routine"
    mode: OrderMode
    directing_provider: Id
    read_back: bool = False
    received_by: Id | None = None
    order_id: Id | None = None


class AcknowledgeOrder(Command):
    """A nurse has seen the order and will carry it out."""

    order_id: Id


class CosignOrder(Command):
    """The directing provider signs the order entered on their behalf."""

    order_id: Id


class DiscontinueOrder(Command):
    order_id: Id
    reason: Reason


class MarkOrderOverdue(Command):
    """The order passed cosign_deadline_hours unsigned (the scheduler's): it is flagged
    overdue and the directing provider is paged, once."""

    order_id: Id
