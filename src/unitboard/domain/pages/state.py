"""The pages part of the hospital: the open pages (sent, not yet acknowledged), the pages
closed lately (bounded), and how many ids it has made."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Literal

from unitboard.domain.errors import NotFound, RuleViolation
from unitboard.domain.pages.values import PAGE_ID, PagePriority, PageStatus, Recipient

CLOSED_KEPT = 5000
"""Acknowledged pages kept: a late acknowledgement is told who acknowledged it first."""


@dataclass(slots=True)
class Page:
    page_id: str
    to: str
    recipient: Recipient
    unit_id: str | None
    message: str
    priority: PagePriority
    sent_by: str
    sent_at: str
    callback: str | None = None
    regarding: str | None = None
    regarding_kind: Literal["call", "stay", "transport", "order"] | None = None
    step: int | None = None
    status: PageStatus = "sent"
    resent: int = 0
    last_sent_at: str = ""
    acknowledged_by: str | None = None
    acknowledged_by_name: str | None = None
    acknowledged_at: str | None = None

    @property
    def open(self) -> bool:
        return self.status == "sent"


@dataclass(slots=True)
class Pages:
    open: dict[str, Page] = field(default_factory=dict)
    closed: OrderedDict[str, Page] = field(default_factory=OrderedDict)
    made: int = 0
    """The highest number of an id unitboard made (PG-<made>)."""

    def find(self, page_id: str) -> Page | None:
        return self.open.get(page_id) or self.closed.get(page_id)

    def page(self, page_id: str) -> Page:
        found = self.find(page_id)
        if found is None:
            if self.was_made(page_id):
                raise RuleViolation(f"Page {page_id} was acknowledged long ago.")
            raise NotFound(f"There is no page {page_id!r}.")
        return found

    def was_made(self, page_id: str) -> bool:
        matched = PAGE_ID.fullmatch(page_id)
        return matched is not None and int(matched.group(1)) <= self.made

    def close(self, page: Page) -> None:
        self.open.pop(page.page_id, None)
        self.closed[page.page_id] = page
        while len(self.closed) > CLOSED_KEPT:
            self.closed.popitem(last=False)
