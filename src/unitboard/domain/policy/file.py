"""The `[policy]` table of the layout file, as a hospital writes it: every key optional (a
key left out keeps its default, which lives once, in rules.py), fractions allowed, and each
value checked so that a mistake is reported with its line and key like the rest of the
file. Bounds keep every time a clock can reach (a week of seconds, a year of hours)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from pydantic import BaseModel, ConfigDict, Field, field_validator

from unitboard.domain.policy.rules import EscalationTarget, Policy, TransportDispatch

WEEK_SECONDS = 7 * 24 * 3600.0
WEEK_MINUTES = 7 * 24 * 60.0
YEAR_HOURS = 365 * 24.0

Seconds = Annotated[float, Field(ge=0, le=WEEK_SECONDS)]
"""A wait that may be none at all (0: at once)."""
Interval = Annotated[float, Field(gt=0, le=WEEK_SECONDS)]
"""A period that repeats: never 0 (it would repeat without end)."""
Minutes = Annotated[float, Field(ge=0, le=WEEK_MINUTES)]
TargetMinutes = Annotated[float, Field(gt=0, le=WEEK_MINUTES)]
Hours = Annotated[float, Field(gt=0, le=YEAR_HOURS)]


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


class TransportTargetsSpec(_Table):
    stat: TargetMinutes | None = None
    urgent: TargetMinutes | None = None
    routine: TargetMinutes | None = None


class CallAnswerTargetsSpec(_Table):
    critical: Seconds | None = None
    high: Seconds | None = None
    medium: Seconds | None = None
    low: Seconds | None = None


class PageResendSpec(_Table):
    critical: Interval | None = None
    urgent: Interval | None = None
    routine: Interval | None = None


class EscalationStepSpec(_Table):
    after_seconds: Seconds
    to: EscalationTarget


Ladder = list[EscalationStepSpec]


class LaddersSpec(_Table):
    critical: Ladder | None = None
    high: Ladder | None = None
    medium: Ladder | None = None
    low: Ladder | None = None

    @field_validator("critical", "high", "medium", "low")
    @classmethod
    def _in_order(cls, ladder: Ladder | None) -> Ladder | None:
        if ladder is not None:
            waits = [step.after_seconds for step in ladder]
            if waits != sorted(waits):
                raise ValueError("the steps must come in order of after_seconds")
        return ladder


class PolicySpec(_Table):
    transport_target_minutes: TransportTargetsSpec | None = None
    transport_schedule_lead_minutes: Minutes | None = None
    transport_dispatch: TransportDispatch | None = None
    transport_offer_seconds: Interval | None = None
    call_answer_target_seconds: CallAnswerTargetsSpec | None = None
    call_clear_minutes: TargetMinutes | None = None
    page_resend_seconds: PageResendSpec | None = None
    cosign_deadline_hours: Hours | None = None
    call_escalation: LaddersSpec | None = None

    def policy(self) -> Policy:
        """The policy this table sets: its keys, and the defaults for those left out."""
        given: dict[str, Any] = self.model_dump(exclude_none=True)
        made: Policy = msgspec.convert(given, Policy)
        return made
