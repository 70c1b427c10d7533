"""The declaration of this aggregate: registered once, in domain/aggregates.py."""

from unitboard.domain.hospital import Hospital
from unitboard.domain.pages import commands as c
from unitboard.domain.pages import decide, events
from unitboard.domain.pages.evolve import EVOLVERS
from unitboard.domain.pages.offers import page_offers
from unitboard.domain.pages.state import Pages
from unitboard.domain.pages.timers import TIMERS
from unitboard.domain.pages.values import PAGED_ROLES
from unitboard.domain.registry import SYSTEM, Aggregate, command

SENDING = {"secretary", "charge_nurse", "nurse"}
RECEIVING = set(PAGED_ROLES)
"""Anyone a page can reach may send AcknowledgePage; the decider lets only the recipient."""


def units_of_page(state: Hospital, page_id: str) -> tuple[str, ...]:
    page = state[Pages].find(page_id)
    return (page.unit_id,) if page is not None and page.unit_id is not None else ()


AGGREGATE = Aggregate(
    name="pages",
    part=Pages,
    commands=[
        command(c.SendPage, decide.send_page, SENDING, {"page"}),
        command(c.AcknowledgePage, decide.acknowledge_page, RECEIVING, {"page"}),
        command(c.ResendPage, decide.resend_page, {SYSTEM}, {"page"}),
    ],
    events=events.EVENTS,
    evolvers=EVOLVERS,
    locate={"page": units_of_page},
    offers={"page": page_offers},
    timers=TIMERS,
)
