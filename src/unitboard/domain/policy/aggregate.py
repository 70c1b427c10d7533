"""The declaration of this aggregate: registered once, in domain/aggregates.py. It has no
command of its own: loading the layout file (LoadLayout) records a policy that changed."""

from unitboard.domain.policy import events
from unitboard.domain.policy.evolve import EVOLVERS
from unitboard.domain.policy.state import PolicyInForce
from unitboard.domain.registry import Aggregate

AGGREGATE = Aggregate(name="policy", part=PolicyInForce, events=events.EVENTS, evolvers=EVOLVERS)
