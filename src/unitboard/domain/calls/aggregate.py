"""The declaration of this aggregate: registered once, in domain/aggregates.py."""

from unitboard.domain.calls import commands as c
from unitboard.domain.calls import decide, events
from unitboard.domain.calls.evolve import EVOLVERS
from unitboard.domain.calls.offers import call_offers, raise_offers
from unitboard.domain.calls.state import Calls
from unitboard.domain.calls.timers import TIMERS
from unitboard.domain.hospital import Hospital
from unitboard.domain.registry import SYSTEM, Aggregate, command

RAISING = {"integration", "secretary"}
ANSWERING = {"secretary", "charge_nurse", "nurse"}
CLEARING = {"nurse", "charge_nurse", "integration"}
LADDER = {"call", "page"}
"""An escalation writes the light's stream and its page's."""


def units_of_call(state: Hospital, call_id: str) -> tuple[str, ...]:
    call = state[Calls].find(call_id)
    return (call.unit_id,) if call is not None else ()


AGGREGATE = Aggregate(
    name="calls",
    part=Calls,
    commands=[
        command(c.RaiseCallLight, decide.raise_call_light, RAISING, LADDER),
        command(c.AnswerCallLight, decide.answer_call_light, ANSWERING, {"call"}),
        command(c.ClearCallLight, decide.clear_call_light, CLEARING, {"call"}),
        command(c.EscalateCallLight, decide.escalate_call_light, {SYSTEM}, LADDER),
        command(c.RepageCallLight, decide.repage_call_light, {SYSTEM}, LADDER),
    ],
    events=events.EVENTS,
    evolvers=EVOLVERS,
    locate={"call": units_of_call},
    offers={"call": call_offers, "bed": raise_offers},
    timers=TIMERS,
)
