"""Making a page: the one PageSent that a person's SendPage and the escalation ladder alike
record, with the next id unitboard makes."""

from __future__ import annotations

from unitboard.domain.hospital import Hospital
from unitboard.domain.pages.events import PageSent
from unitboard.domain.pages.state import Pages
from unitboard.domain.pages.values import MAX_MESSAGE, PagePriority, Recipient, made_id

SYSTEM_SENDER = "system"
"""Who sent the escalation ladder's pages."""


def next_page_id(state: Hospital, already: int = 0) -> str:
    """The id of the next page unitboard makes (`already`: made by this same decision)."""
    return made_id(state[Pages].made + 1 + already)


def shortened(message: str) -> str:
    """A message unitboard writes itself, cut to what a page holds."""
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 1] + "…"


def system_page(
    page_id: str,
    to: str,
    recipient: Recipient,
    unit_id: str,
    message: str,
    priority: PagePriority,
    regarding: str,
    step: int | None,
) -> PageSent:
    """A page the ladder (or the clear-time re-page) sends about a call light."""
    return PageSent(
        page_id=page_id,
        unit_id=unit_id,
        to=to,
        recipient=recipient,
        message=shortened(message),
        priority=priority,
        sent_by=SYSTEM_SENDER,
        regarding=regarding,
        regarding_kind="call",
        step=step,
    )
