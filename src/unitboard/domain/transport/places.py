"""Where a job starts or ends: a bed, a unit or a named place of the layout, each with the
unit it is on (a place is on none) and how a screen names it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from unitboard.domain.beds.state import Beds
from unitboard.domain.hospital import Hospital
from unitboard.domain.layout.state import Layout


@dataclass(frozen=True, slots=True)
class Spot:
    kind: Literal["bed", "unit", "place"]
    id: str
    unit_id: str | None
    label: str


def spot(state: Hospital, ident: str) -> Spot | None:
    """The bed, unit or place `ident` names now; None when the layout has none."""
    bed = state[Beds].beds.get(ident)
    if bed is not None:
        return Spot("bed", ident, bed.unit_id, ident)
    layout = state[Layout]
    unit = layout.units.get(ident)
    if unit is not None:
        return Spot("unit", ident, ident, unit.name)
    place = layout.places.get(ident)
    if place is not None:
        return Spot("place", ident, None, place.name)
    return None


def spot_label(state: Hospital, ident: str) -> str:
    """How a screen names a job's end: the bed id, the unit's or the place's name (the id
    itself when the layout has lost it)."""
    found = spot(state, ident)
    return found.label if found is not None else ident
