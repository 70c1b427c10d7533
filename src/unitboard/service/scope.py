"""A token made for one unit acts on that unit only: every bed, stay or unit a command
names must be there, or (a stay moving between units) touch it: a transfer out of the
unit, or a bed for one coming in, is its business; the next unit's beds are not. People are
not held to their units: a secretary covers the next unit at night (see Actor.scope)."""

from __future__ import annotations

from unitboard.domain.commands import Command
from unitboard.domain.hospital import Hospital
from unitboard.service.auth import Actor
from unitboard.service.errors import Forbidden

NAMING_FIELDS = {
    "bed_id": "bed",
    "encounter_id": "stay",
    "other_encounter_id": "stay",
    "unit_id": "unit",
    "call_id": "call",
    "page_id": "page",
    "transport_id": "transport",
    "order_id": "order",
}
"""A command's fields that name a thing, and its kind (whose aggregate locates it)."""


def check_scope(state: Hospital, actor: Actor, command: Command) -> None:
    """Refuse a command of a unit's token that names a thing on another unit. A thing that
    is nowhere (unknown) is left to the decider, which says so."""
    scope = actor.scope
    if scope is None:
        return
    locators = state.registry.locators
    for field, kind in NAMING_FIELDS.items():
        value = getattr(command, field, None)
        if not isinstance(value, str):
            continue
        if kind == "unit":
            units: list[str] = [value]
        elif (locate := locators.get(kind)) is not None:
            units = list(locate(state, value))
        else:
            continue
        if units and scope.isdisjoint(units):
            raise Forbidden(
                f"This token is for unit {actor.unit_id}; {_thing(kind, value)} is on "
                f"{', '.join(sorted(set(units)))}."
            )


def _thing(kind: str, value: str) -> str:
    return {"stay": f"encounter {value}", "unit": f"unit {value}"}.get(kind, f"{kind} {value}")
