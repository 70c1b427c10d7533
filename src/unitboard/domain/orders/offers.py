"""What an order allows now and for whom: acknowledge (a nurse, while nobody has),
co-sign (its directing provider, once), discontinue (with a reason, while active)."""

from __future__ import annotations

from unitboard.domain.context import Context
from unitboard.domain.hospital import Hospital
from unitboard.domain.offers import Offer
from unitboard.domain.orders.state import Orders


def order_offers(state: Hospital, order_id: str, ctx: Context) -> list[Offer]:
    order = state[Orders].orders.get(order_id)
    if order is None:
        return []
    key = {"order_id": order_id}
    offers: list[Offer] = []
    if order.active and order.acknowledged_by is None:
        offers.append(Offer("AcknowledgeOrder", key))
    if not order.cosigned and order.directing_provider == ctx.actor:
        offers.append(Offer("CosignOrder", key))
    if order.active:
        offers.append(Offer("DiscontinueOrder", key, inputs=("reason",)))
    return offers
