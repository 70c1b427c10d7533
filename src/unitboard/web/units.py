"""The unit switcher in a screen's header: the person's own units first (where they work,
in their order), then every other unit of the hospital, and the house view for those who
may see it. A person's units say where they land, never what they may open: a secretary
covers the next unit at night."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import HTTPConnection

from unitboard.service.auth import Actor
from unitboard.web.common import environment, runtime_of
from unitboard.web.station import STATION_ROLES

HOUSE_ROLES = ("secretary", "charge_nurse", "admin")
"""Who sees the house view: bed placement is done by the charge nurses and secretaries; an
admin stands in for the house supervisor."""


@dataclass(frozen=True, slots=True)
class UnitChoice:
    unit_id: str
    name: str


@dataclass(frozen=True, slots=True)
class UnitChoices:
    mine: list[UnitChoice]
    others: list[UnitChoice]
    house: bool
    screen: str
    """Where a unit opens: its station for those who work one, else its board."""


def unit_choices(connection: HTTPConnection, actor: Actor) -> UnitChoices:
    units = runtime_of(connection).projection.layout.units
    mine_ids = [unit for unit in actor.units if unit in units]
    mine = [UnitChoice(unit, units[unit].name) for unit in mine_ids]
    others = [UnitChoice(u.unit_id, u.name) for u in units.values() if u.unit_id not in mine_ids]
    screen = "station" if actor.role in STATION_ROLES else "display"
    return UnitChoices(mine, others, actor.role in HOUSE_ROLES, screen)


environment.globals["unit_choices"] = unit_choices
