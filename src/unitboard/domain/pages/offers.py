"""What a page allows the person looking at it: acknowledging it, when it is theirs (or
their role's on their unit) and still open."""

from __future__ import annotations

from unitboard.domain.context import Context
from unitboard.domain.hospital import Hospital
from unitboard.domain.offers import Offer
from unitboard.domain.pages.recipients import page_reaches
from unitboard.domain.pages.state import Pages


def page_offers(state: Hospital, page_id: str, ctx: Context) -> list[Offer]:
    page = state[Pages].open.get(page_id)
    if page is None or not page_reaches(page, ctx.people.person(ctx.actor)):
        return []
    return [Offer("AcknowledgePage", {"page_id": page_id})]
