"""The declaration of this aggregate: registered once, in domain/aggregates.py."""

from unitboard.domain.hospital import Hospital
from unitboard.domain.orders import commands as c
from unitboard.domain.orders import decide, events
from unitboard.domain.orders.evolve import EVOLVERS
from unitboard.domain.orders.offers import order_offers
from unitboard.domain.orders.state import Orders
from unitboard.domain.orders.timers import TIMERS
from unitboard.domain.registry import SYSTEM, Aggregate, command
from unitboard.domain.stays.state import Stays

ENTERING = {"secretary", "charge_nurse", "nurse"}
ACKNOWLEDGING = {"nurse", "charge_nurse"}
COSIGNING = {"provider"}
"""Of the providers, only the order's directing provider (the decider checks who)."""
DISCONTINUING = {"provider", "charge_nurse"}


def units_of_order(state: Hospital, order_id: str) -> list[str]:
    """The patient's unit now (and the one the order was entered on)."""
    order = state[Orders].orders.get(order_id)
    if order is None:
        return []
    stay = state[Stays].stays.get(order.encounter_id)
    units = [order.unit_id]
    if stay is not None and stay.unit_id != order.unit_id:
        units.append(stay.unit_id)
    return units


AGGREGATE = Aggregate(
    name="orders",
    part=Orders,
    commands=[
        command(c.EnterOrder, decide.enter_order, ENTERING, {"order"}),
        command(c.AcknowledgeOrder, decide.acknowledge_order, ACKNOWLEDGING, {"order"}),
        command(c.CosignOrder, decide.cosign_order, COSIGNING, {"order"}),
        command(c.DiscontinueOrder, decide.discontinue_order, DISCONTINUING, {"order"}),
        command(c.MarkOrderOverdue, decide.mark_order_overdue, {SYSTEM}, {"order", "page"}),
    ],
    events=events.EVENTS,
    evolvers=EVOLVERS,
    locate={"order": units_of_order},
    offers={"order": order_offers},
    timers=TIMERS,
)
"""What the desk and the nurses enter on a provider's direction, what the nurses and the
provider do with an order, and what the scheduler sends, in the system role, when an
unsigned order passes its co-sign deadline."""
