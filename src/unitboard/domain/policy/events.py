"""The policy's one event: the policy in force changed (loading a layout file whose
`[policy]` table differs from it records the whole new policy)."""

from __future__ import annotations

from typing import ClassVar

from unitboard.domain.events import HOSPITAL_STREAM, Event
from unitboard.domain.policy.rules import Policy


class PolicySet(Event, frozen=True, kw_only=True):
    """Every view may look different (what counts as overdue changes): a LAYOUT event."""

    LAYOUT: ClassVar[bool] = True
    policy: Policy

    @property
    def stream_id(self) -> str:
        return HOSPITAL_STREAM


EVENTS = (PolicySet,)
