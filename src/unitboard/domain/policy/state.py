"""The policy part of the hospital: the policy in force, and since when. Folding the log up
to any moment gives the rules that were in force then."""

from __future__ import annotations

from dataclasses import dataclass

from unitboard.domain.policy.rules import DEFAULT_POLICY, Policy


@dataclass(slots=True)
class PolicyInForce:
    policy: Policy = DEFAULT_POLICY
    since: str | None = None
    """When it was set (None: the defaults, never set)."""
