"""Folding the pages' events into the pages part."""

from __future__ import annotations

from unitboard.domain.events import Event
from unitboard.domain.pages import events as e
from unitboard.domain.pages.state import Page, Pages
from unitboard.domain.pages.values import PAGE_ID
from unitboard.domain.registry import Evolver


def sent(pages: Pages, event: e.PageSent, at: str) -> None:
    pages.open[event.page_id] = Page(
        event.page_id,
        event.to,
        event.recipient,
        event.unit_id,
        event.message,
        event.priority,
        event.sent_by,
        at,
        callback=event.callback,
        regarding=event.regarding,
        regarding_kind=event.regarding_kind,
        step=event.step,
        last_sent_at=at,
    )
    if (made := PAGE_ID.fullmatch(event.page_id)) is not None:
        pages.made = max(pages.made, int(made.group(1)))


def resent(pages: Pages, event: e.PageResent, at: str) -> None:
    page = pages.open[event.page_id]
    page.resent, page.last_sent_at = event.count, at


def acknowledged(pages: Pages, event: e.PageAcknowledged, at: str) -> None:
    page = pages.open[event.page_id]
    page.status, page.acknowledged_at = "acknowledged", at
    page.acknowledged_by, page.acknowledged_by_name = event.by, event.by_name
    pages.close(page)


EVOLVERS: dict[type[Event], Evolver] = {
    e.PageSent: sent,
    e.PageResent: resent,
    e.PageAcknowledged: acknowledged,
}
