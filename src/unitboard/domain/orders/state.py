"""The orders part of the hospital: every order, by id and by stay, and how many ids
unitboard has made."""

from __future__ import annotations

from dataclasses import dataclass, field

from unitboard.domain.errors import NotFound
from unitboard.domain.orders.values import OrderCategory, OrderMode, OrderPriority, OrderState


@dataclass(slots=True)
class Order:
    order_id: str
    encounter_id: str
    unit_id: str
    category: OrderCategory
    detail: str
    priority: OrderPriority
    mode: OrderMode
    directing_provider: str
    received_by: str
    read_back: bool
    entered_by: str
    entered_at: str
    acknowledged_by: str | None = None
    acknowledged_at: str | None = None
    cosigned_by: str | None = None
    cosigned_at: str | None = None
    discontinued_by: str | None = None
    discontinued_at: str | None = None
    discontinue_reason: str | None = None
    overdue_at: str | None = None
    overdue_page: str | None = None

    @property
    def active(self) -> bool:
        return self.discontinued_at is None

    @property
    def cosigned(self) -> bool:
        return self.cosigned_at is not None

    @property
    def overdue(self) -> bool:
        """Flagged past its deadline and still unsigned."""
        return self.overdue_at is not None and not self.cosigned

    @property
    def state(self) -> OrderState:
        """What a screen shows: the most pressing thing about it."""
        if not self.active:
            return "discontinued"
        if self.overdue:
            return "overdue"
        if self.cosigned:
            return "cosigned"
        return "acknowledged" if self.acknowledged_at is not None else "new"


@dataclass(slots=True)
class Orders:
    orders: dict[str, Order] = field(default_factory=dict)
    of_stays: dict[str, list[str]] = field(default_factory=dict)
    """Each stay's order ids, oldest first."""
    unsigned: dict[str, Order] = field(default_factory=dict)
    """The orders awaiting co-signature: what the deadline timer looks at."""
    made: int = 0

    def order(self, order_id: str) -> Order:
        try:
            return self.orders[order_id]
        except KeyError:
            raise NotFound(f"There is no order {order_id!r}.") from None

    def of_stay(self, encounter_id: str) -> list[Order]:
        return [self.orders[i] for i in self.of_stays.get(encounter_id, ())]
