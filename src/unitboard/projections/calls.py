"""The call lights and pages as the API and the screens read them: a unit's active lights,
highest priority first then oldest, with their escalations; and the pages a person may see
(their own, their role's on their units, those they sent; the desk sees its units')."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from unitboard.domain.calls.state import Call, Calls, Escalation
from unitboard.domain.calls.timers import moment
from unitboard.domain.calls.values import PRIORITY_RANK
from unitboard.domain.context import Person
from unitboard.domain.hospital import Hospital
from unitboard.domain.pages.recipients import page_reaches
from unitboard.domain.pages.state import Page, Pages
from unitboard.domain.pages.values import PAGE_PRIORITIES
from unitboard.domain.policy.state import PolicyInForce

PageScope = Literal["none", "own", "unit", "all"]
"""Which pages a role reads: none; those that reach the person (or they sent); those too of
the person's units; every page."""
PAGE_RANK = {priority: rank for rank, priority in enumerate(reversed(PAGE_PRIORITIES))}
"""critical 0, urgent 1, routine 2."""


def escalation_view(escalation: Escalation) -> dict[str, Any]:
    return {
        "step": escalation.step,
        "to": escalation.to,
        "page_id": escalation.page_id,
        "at": escalation.at,
    }


def call_view(hospital: Hospital, call: Call, privacy: bool = False) -> dict[str, Any]:
    """The contract's CALL; `answer_due_at`: when it turns overdue unanswered (the policy's
    call_answer_target_seconds). In privacy mode (a wall) the typed note is left out."""
    target = hospital[PolicyInForce].policy.call_answer_target_seconds.of(call.priority)
    raised = moment(call.raised_at)
    due = raised + dt.timedelta(seconds=target) if raised is not None else None
    return {
        "call_id": call.call_id,
        "bed_id": call.bed_id,
        "unit_id": call.unit_id,
        "kind": call.kind,
        "priority": call.priority,
        "status": call.status,
        "raised_at": call.raised_at,
        "answered_at": call.answered_at,
        "note": None if privacy else call.note,
        "escalations": [escalation_view(e) for e in call.escalations],
        "repaged": escalation_view(call.repage) if call.repage else None,
        "answer_due_at": due.isoformat() if due is not None else None,
    }


def active_calls(hospital: Hospital, unit_id: str) -> list[Call]:
    """The unit's lights not yet cleared: highest priority first, then the oldest."""
    lights = [c for c in hospital[Calls].active.values() if c.unit_id == unit_id]
    return sorted(lights, key=lambda c: (PRIORITY_RANK[c.priority], c.raised_at, c.call_id))


def page_view(page: Page) -> dict[str, Any]:
    """The contract's PAGE, with where it is (`unit_id`) and what `to` names (`to_kind`)."""
    return {
        "page_id": page.page_id,
        "to": page.to,
        "to_kind": page.recipient,
        "unit_id": page.unit_id,
        "message": page.message,
        "callback": page.callback,
        "priority": page.priority,
        "regarding": page.regarding,
        "regarding_kind": page.regarding_kind,
        "step": page.step,
        "status": page.status,
        "sent_at": page.sent_at,
        "sent_by": page.sent_by,
        "resent": page.resent,
        "last_sent_at": page.last_sent_at,
        "acknowledged_by": page.acknowledged_by,
        "acknowledged_by_name": page.acknowledged_by_name,
        "acknowledged_at": page.acknowledged_at,
    }


@dataclass(frozen=True, slots=True)
class PageReader:
    """Who reads pages: their username, as the person the pages reach, and their scope."""

    person: Person
    scope: PageScope

    def sees(self, page: Page) -> bool:
        if self.scope == "all":
            return True
        if self.scope == "none":
            return False
        if page.sent_by == self.person.username or page_reaches(page, self.person):
            return True
        return self.scope == "unit" and page.unit_id in self.person.units


def visible_pages(
    hospital: Hospital,
    reader: PageReader,
    every: bool = False,
    regarding: str | None = None,
    limit: int = 200,
) -> list[Page]:
    """The pages `reader` may see: open ones (with `every`, the lately closed ones too),
    open first, then the most urgent, then the newest."""
    pages = hospital[Pages]
    found: Iterable[Page] = pages.open.values()
    if every:
        found = [*found, *pages.closed.values()]
    chosen = [
        page
        for page in found
        if (regarding is None or page.regarding == regarding) and reader.sees(page)
    ]
    chosen.sort(key=lambda p: p.sent_at, reverse=True)
    chosen.sort(key=lambda p: (not p.open, PAGE_RANK[p.priority]))
    return chosen[:limit]
