"""What falls due by itself on a page: its next re-send, page_resend_seconds (by its
priority, in the policy in force) after it was last sent, while nobody acknowledges it. A
page about a call light stops being re-sent when the light is cleared; one about a late
transport when the patient is picked up (or the job ends)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from unitboard.domain.calls.state import Calls
from unitboard.domain.calls.timers import moment
from unitboard.domain.hospital import Hospital
from unitboard.domain.orders.state import Orders
from unitboard.domain.pages.commands import ResendPage
from unitboard.domain.pages.state import Page, Pages
from unitboard.domain.pages.values import PAGE_PRIORITIES
from unitboard.domain.policy.state import PolicyInForce
from unitboard.domain.registry import Due
from unitboard.domain.transport.state import Transport


def still_resent(state: Hospital, page: Page) -> bool:
    """Open, and not about a light, a transport or an order that no longer needs anyone."""
    return page.open and not _settled(state, page)


def _settled(state: Hospital, page: Page) -> bool:
    if page.regarding_kind == "call":
        return page.regarding not in state[Calls].active
    if page.regarding_kind == "transport":
        job = state[Transport].jobs.get(page.regarding or "")
        return job is None or job.status == "picked_up"
    if page.regarding_kind == "order":
        order = state[Orders].orders.get(page.regarding or "")
        return order is None or order.cosigned
    return False


def page_resends(state: Hospital) -> Iterator[Due]:
    every = state[PolicyInForce].policy.page_resend_seconds
    period = {p: dt.timedelta(seconds=every.of(p)) for p in PAGE_PRIORITIES}
    for page in state[Pages].open.values():
        if _settled(state, page):
            continue  # about a light that has ended, a transport under way, a signed order
        last = moment(page.last_sent_at)
        if last is not None:
            command = ResendPage(page_id=page.page_id, count=page.resent + 1)
            yield Due(last + period[page.priority], command)


TIMERS = (page_resends,)
