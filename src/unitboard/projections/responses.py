"""How fast a unit answers: each ended light's raise -> answer and raise -> clear, and each
acknowledged page's send -> acknowledgement, in seconds, kept as data for a week (charts
and CSV come later). Noted as each event is folded, so a rebuild from the log comes out the
same as the live projection."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from unitboard.domain.calls import events as ce
from unitboard.domain.calls.state import Calls
from unitboard.domain.calls.timers import moment
from unitboard.domain.events import Event
from unitboard.domain.hospital import Hospital
from unitboard.domain.pages import events as pe
from unitboard.domain.pages.state import Pages
from unitboard.domain.policy.state import PolicyInForce

KEPT = dt.timedelta(days=7)
"""How far back the responses reach (from the latest one noted)."""


@dataclass(frozen=True, slots=True)
class LightResponse:
    call_id: str
    unit_id: str
    bed_id: str
    kind: str
    priority: str
    raised_at: str
    answered_at: str | None
    cleared_at: str
    to_answer_seconds: float | None
    """None when it was cleared without an answer (staff went straight to the bedside)."""
    to_clear_seconds: float
    escalations: int
    over_target: bool
    """Answered (or cleared unanswered) later than call_answer_target_seconds."""


@dataclass(frozen=True, slots=True)
class PageResponse:
    page_id: str
    unit_id: str | None
    priority: str
    sent_by: str
    sent_at: str
    acknowledged_at: str
    to_acknowledge_seconds: float
    resent: int


def seconds_between(start: str | None, end: str | None) -> float | None:
    began, ended = moment(start), moment(end)
    if began is None or ended is None:
        return None
    return round((ended - began).total_seconds(), 3)


class ResponseTimes:
    def __init__(self) -> None:
        self.lights: deque[tuple[dt.datetime, LightResponse]] = deque()
        self.pages: deque[tuple[dt.datetime, PageResponse]] = deque()
        self.watch: dict[type[Event], Callable[[Hospital, Any, str], None]] = {
            ce.CallLightCleared: self._light_ended,
            pe.PageAcknowledged: self._page_acknowledged,
        }
        """What to note after folding an event of these types."""

    def _light_ended(self, state: Hospital, event: ce.CallLightCleared, at: str) -> None:
        call = state[Calls].ended.get(event.call_id)
        ended = moment(at)
        if call is None or ended is None:
            return
        to_answer = seconds_between(call.raised_at, call.answered_at)
        to_clear = seconds_between(call.raised_at, at) or 0.0
        target = state[PolicyInForce].policy.call_answer_target_seconds.of(call.priority)
        waited = to_answer if to_answer is not None else to_clear
        response = LightResponse(
            call.call_id, call.unit_id, call.bed_id, call.kind, call.priority,
            call.raised_at, call.answered_at, at, to_answer, to_clear,
            len(call.escalations), waited > target,
        )  # fmt: skip
        _keep(self.lights, ended, response)

    def _page_acknowledged(self, state: Hospital, event: pe.PageAcknowledged, at: str) -> None:
        page = state[Pages].closed.get(event.page_id)
        acknowledged = moment(at)
        if page is None or acknowledged is None:
            return
        response = PageResponse(
            page.page_id, page.unit_id, page.priority, page.sent_by, page.sent_at, at,
            seconds_between(page.sent_at, at) or 0.0, page.resent,
        )  # fmt: skip
        _keep(self.pages, acknowledged, response)

    # -- views ------------------------------------------------------------------------------

    def lights_of(self, unit_id: str, since: dt.datetime) -> list[LightResponse]:
        """The unit's lights cleared at or after `since`, the latest first."""
        return [r for at, r in reversed(self.lights) if at >= since and r.unit_id == unit_id]

    def pages_of(self, unit_id: str, since: dt.datetime) -> list[PageResponse]:
        return [r for at, r in reversed(self.pages) if at >= since and r.unit_id == unit_id]


def _keep(kept: deque[tuple[dt.datetime, Any]], at: dt.datetime, response: Any) -> None:
    kept.append((at, response))
    while kept and kept[0][0] < at - KEPT:
        kept.popleft()


def spread(values: Iterable[float | None]) -> dict[str, float | int | None]:
    """How many, the median, the 90th percentile and the longest."""
    known = sorted(v for v in values if v is not None)
    if not known:
        return {"count": 0, "median": None, "p90": None, "max": None}
    p90 = known[min(len(known) - 1, int(0.9 * len(known)))]
    return {
        "count": len(known),
        "median": round(statistics.median(known), 3),
        "p90": p90,
        "max": known[-1],
    }


def light_summary(responses: list[LightResponse]) -> dict[str, Any]:
    return {
        "lights": len(responses),
        "over_target": sum(r.over_target for r in responses),
        "to_answer_seconds": spread(r.to_answer_seconds for r in responses),
        "to_clear_seconds": spread(r.to_clear_seconds for r in responses),
    }


def page_summary(responses: list[PageResponse]) -> dict[str, Any]:
    return {
        "pages": len(responses),
        "to_acknowledge_seconds": spread(r.to_acknowledge_seconds for r in responses),
    }
