"""The value lists of pages and what a person reads for each."""

from __future__ import annotations

import re
from typing import Literal, get_args

PagePriority = Literal["routine", "urgent", "critical"]
PAGE_PRIORITIES: tuple[PagePriority, ...] = get_args(PagePriority)
PAGE_PRIORITY_LABELS: dict[PagePriority, str] = {
    "routine": "Routine",
    "urgent": "Urgent",
    "critical": "Critical",
}
PageStatus = Literal["sent", "acknowledged"]
Recipient = Literal["person", "role", "everyone"]
"""What a page's `to` names: a person (a username), every member of a role on the page's
unit, or everyone of the unit (EVERYONE_ROLES)."""

MAX_MESSAGE = 160
"""A page is read on a pager or a phone's lock screen: at most this many characters."""

EVERYONE = "everyone"
EVERYONE_ROLES = ("nurse", "charge_nurse", "secretary")
"""Who "everyone" on a unit is: its nurses, charge nurses and secretaries."""
PAGED_ROLES = ("nurse", "charge_nurse", "secretary", "provider", "evs", "transport")
"""The roles a page may go to (each active member on the page's unit), and the roles of
the people who receive pages."""

PAGE_ID = re.compile(r"PG-(\d+)")
"""The form of the page ids unitboard makes (PG-1, PG-2, ...); a sender's own id may not
take it."""


def made_id(number: int) -> str:
    return f"PG-{number}"


def recipient_of(to: str) -> Recipient:
    """A role's name names the role (a username that is also a role's name is paged through
    the role)."""
    if to == EVERYONE:
        return "everyone"
    return "role" if to in PAGED_ROLES else "person"
