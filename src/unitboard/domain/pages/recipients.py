"""Who a page reaches: the person it names, or each active member of its role (or of
everyone: nurses, charge nurses, secretaries) who works on its unit. Any one of them may
acknowledge it, and the first acknowledgement closes it for all."""

from __future__ import annotations

from unitboard.domain.context import People, Person
from unitboard.domain.pages.state import Page
from unitboard.domain.pages.values import EVERYONE, EVERYONE_ROLES, Recipient
from unitboard.domain.roles import role_label


def roles_of(to: str) -> tuple[str, ...]:
    """The roles a group page's `to` names."""
    return EVERYONE_ROLES if to == EVERYONE else (to,)


def reaches(to: str, recipient: Recipient, unit_id: str | None, person: Person | None) -> bool:
    if person is None or not person.active:
        return False
    if recipient == "person":
        return person.username == to
    return person.role in roles_of(to) and unit_id is not None and unit_id in person.units


def page_reaches(page: Page, person: Person | None) -> bool:
    return reaches(page.to, page.recipient, page.unit_id, person)


def members(people: People, to: str, unit_id: str) -> list[Person]:
    """The active people a group page to `to` on `unit_id` reaches now."""
    return [p for p in people.everyone() if reaches(to, "role", unit_id, p)]


PLURALS = {
    "nurse": "nurses",
    "charge_nurse": "charge nurses",
    "secretary": "secretaries",
    "provider": "providers",
    "evs": "EVS staff",
    "transport": "transport staff",
}


def group_label(to: str) -> str:
    """How a message names a group: "charge nurses", "nurses, charge nurses and
    secretaries" (everyone)."""
    if to == EVERYONE:
        return "nurses, charge nurses and secretaries"
    return PLURALS.get(to, role_label(to))
