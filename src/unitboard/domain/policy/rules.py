"""The policy in force, as the events record it: every number with its default, so a
layout file without a `[policy]` table (and every log written before policies existed)
means the defaults. Numbers are floats: tests run a whole ladder in seconds."""

from __future__ import annotations

from typing import Literal

import msgspec

EscalationTarget = Literal["assigned_nurse", "charge_nurse", "nurse", "secretary", "everyone"]
"""Who a step of the ladder pages: the patient's assigned nurse, every member of a role on
the light's unit, or everyone (its nurses, charge nurses and secretaries)."""
ESCALATION_TARGETS: tuple[EscalationTarget, ...] = (
    "assigned_nurse",
    "charge_nurse",
    "nurse",
    "secretary",
    "everyone",
)
TransportDispatch = Literal["auto", "self"]


class _Policy(msgspec.Struct, frozen=True, kw_only=True):
    pass


class TransportTargets(_Policy, frozen=True, kw_only=True):
    """Minutes from requested to picked up, by the job's priority."""

    stat: float = 10.0
    urgent: float = 20.0
    routine: float = 45.0


class CallAnswerTargets(_Policy, frozen=True, kw_only=True):
    """Seconds a light may wait for an answer before it shows overdue, by its priority."""

    critical: float = 0.0
    high: float = 60.0
    medium: float = 180.0
    low: float = 300.0

    def of(self, priority: str) -> float:
        seconds: float = getattr(self, priority)
        return seconds


class PageResend(_Policy, frozen=True, kw_only=True):
    """Seconds between re-sends of an unacknowledged page, by its priority."""

    critical: float = 60.0
    urgent: float = 120.0
    routine: float = 300.0

    def of(self, priority: str) -> float:
        seconds: float = getattr(self, priority)
        return seconds


class EscalationStep(_Policy, frozen=True, kw_only=True):
    after_seconds: float
    to: EscalationTarget


class Ladders(_Policy, frozen=True, kw_only=True):
    """The escalation ladder of each priority: its steps in order of `after_seconds`."""

    critical: tuple[EscalationStep, ...] = (EscalationStep(after_seconds=0.0, to="everyone"),)
    high: tuple[EscalationStep, ...] = (
        EscalationStep(after_seconds=60.0, to="assigned_nurse"),
        EscalationStep(after_seconds=120.0, to="charge_nurse"),
    )
    medium: tuple[EscalationStep, ...] = (
        EscalationStep(after_seconds=180.0, to="assigned_nurse"),
        EscalationStep(after_seconds=360.0, to="charge_nurse"),
    )
    low: tuple[EscalationStep, ...] = (
        EscalationStep(after_seconds=300.0, to="assigned_nurse"),
        EscalationStep(after_seconds=600.0, to="charge_nurse"),
    )

    def of(self, priority: str) -> tuple[EscalationStep, ...]:
        ladder: tuple[EscalationStep, ...] = getattr(self, priority)
        return ladder


class Policy(_Policy, frozen=True, kw_only=True):
    transport_target_minutes: TransportTargets = TransportTargets()
    transport_schedule_lead_minutes: float = 30.0
    transport_dispatch: TransportDispatch = "auto"
    transport_offer_seconds: float = 60.0
    call_answer_target_seconds: CallAnswerTargets = CallAnswerTargets()
    call_clear_minutes: float = 10.0
    page_resend_seconds: PageResend = PageResend()
    cosign_deadline_hours: float = 48.0
    call_escalation: Ladders = Ladders()


DEFAULT_POLICY = Policy()
