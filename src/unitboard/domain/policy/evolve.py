"""Folding the policy's event into its part."""

from __future__ import annotations

from unitboard.domain.events import Event
from unitboard.domain.policy import events as e
from unitboard.domain.policy.state import PolicyInForce
from unitboard.domain.registry import Evolver


def policy_set(in_force: PolicyInForce, event: e.PolicySet, at: str) -> None:
    in_force.policy, in_force.since = event.policy, at or None


EVOLVERS: dict[type[Event], Evolver] = {e.PolicySet: policy_set}
