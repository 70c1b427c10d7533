"""The declaration of this aggregate: registered once, in domain/aggregates.py."""

from unitboard.domain.hospital import Hospital
from unitboard.domain.layout import decide, events
from unitboard.domain.layout.commands import LoadLayout
from unitboard.domain.layout.evolve import EVOLVERS
from unitboard.domain.layout.state import Layout
from unitboard.domain.registry import Aggregate, command


def units_of_room(state: Hospital, room_id: str) -> tuple[str, ...]:
    room = state[Layout].rooms.get(room_id)
    return (room.unit_id,) if room is not None else ()


AGGREGATE = Aggregate(
    name="layout",
    part=Layout,
    commands=[
        command(LoadLayout, decide.load_layout, {"admin"}, {"hospital", "unit", "room", "bed"}),
    ],
    events=events.EVENTS,
    evolvers=EVOLVERS,
    locate={"unit": lambda state, unit_id: (unit_id,), "room": units_of_room},
)
