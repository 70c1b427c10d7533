"""What happened to a page: sent, re-sent while unacknowledged, acknowledged (once, for
all its recipients). Each page is a stream of its own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar, Literal

from unitboard.domain.events import Event
from unitboard.domain.pages.values import PagePriority, Recipient


def page_stream(page_id: str) -> str:
    return f"page-{page_id}"


class PageEvent(Event, frozen=True, kw_only=True):
    TOUCHES: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "page": ("page_id",),
        "unit": ("unit_id",),
    }
    page_id: str
    unit_id: str | None = None
    """The unit the page is on: a role's members are those of this unit."""

    @property
    def stream_id(self) -> str:
        return page_stream(self.page_id)


class PageSent(PageEvent, frozen=True, kw_only=True):
    """`sent_by` is the sender's username, or "system" for the escalation ladder's pages
    (which carry the ladder's `step`; a clear-time re-page carries none)."""

    to: str
    recipient: Recipient
    message: str
    priority: PagePriority
    sent_by: str
    callback: str | None = None
    regarding: str | None = None
    regarding_kind: Literal["call", "stay", "transport", "order"] | None = None
    step: int | None = None


class PageResent(PageEvent, frozen=True, kw_only=True):
    count: int
    """This re-send's number: 1 for the first."""


class PageAcknowledged(PageEvent, frozen=True, kw_only=True):
    by: str
    by_name: str | None = None


EVENTS = (PageSent, PageResent, PageAcknowledged)
