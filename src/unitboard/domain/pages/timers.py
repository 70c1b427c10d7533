"""What falls due by itself on a page: its next re-send, page_resend_seconds (by its
priority, in the policy in force) after it was last sent, while nobody acknowledges it. A
page about a call light stops being re-sent when the light is cleared."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from unitboard.domain.calls.state import Calls
from unitboard.domain.calls.timers import moment
from unitboard.domain.hospital import Hospital
from unitboard.domain.pages.commands import ResendPage
from unitboard.domain.pages.state import Page, Pages
from unitboard.domain.pages.values import PAGE_PRIORITIES
from unitboard.domain.policy.state import PolicyInForce
from unitboard.domain.registry import Due


def still_resent(state: Hospital, page: Page) -> bool:
    """Open, and not about a light that has ended."""
    if not page.open:
        return False
    return page.regarding_kind != "call" or page.regarding in state[Calls].active


def page_resends(state: Hospital) -> Iterator[Due]:
    every = state[PolicyInForce].policy.page_resend_seconds
    period = {p: dt.timedelta(seconds=every.of(p)) for p in PAGE_PRIORITIES}
    lights = state[Calls].active
    for page in state[Pages].open.values():
        if page.regarding_kind == "call" and page.regarding not in lights:
            continue  # about a light that has ended
        last = moment(page.last_sent_at)
        if last is not None:
            command = ResendPage(page_id=page.page_id, count=page.resent + 1)
            yield Due(last + period[page.priority], command)


TIMERS = (page_resends,)
