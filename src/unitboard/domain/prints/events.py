"""A patient's identification printed: who printed which document for whom."""

from __future__ import annotations

from unitboard.domain.events import Event, StayEvent
from unitboard.domain.prints.values import Document


class IdentificationPrinted(StayEvent, frozen=True, kw_only=True):
    """`mrn`: the identifier printed on it (the stay's at that moment)."""

    document: Document
    copies: int
    mrn: str
    by: str


EVENTS: tuple[type[Event], ...] = (IdentificationPrinted,)
