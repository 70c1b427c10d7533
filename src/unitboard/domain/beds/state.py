"""The beds part of the hospital: each bed's place, and its three independent facts:
occupancy (who holds it), cleanliness (with EVS priority, terminal clean, who cleans and
since when, and the last clean, which can be undone), and a block."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from unitboard.domain.errors import NotFound
from unitboard.domain.values import (
    BLOCK_STATUS,
    BedStatus,
    BlockKind,
    Cleanliness,
    EvsPriority,
    Occupancy,
)


@dataclass(slots=True)
class Block:
    kind: BlockKind
    reason: str
    until: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class LastClean:
    """A bed's last clean, kept while the bed stays clean: when and by whom, and what the
    bed was before it (its priority, terminal flag and dirty time), which an undo restores."""

    at: str
    by: str | None
    priority: EvsPriority | None
    terminal: bool
    dirty_since: str | None


@dataclass(slots=True)
class Bed:
    bed_id: str
    unit_id: str
    room_id: str
    label: str
    occupancy: Occupancy = "vacant"
    cleanliness: Cleanliness = "clean"
    evs_priority: EvsPriority | None = None
    blocked: Block | None = None
    encounter_id: str | None = None
    dirty_since: str | None = None
    terminal: bool = False
    """It needs a terminal clean (isolation): cleared only by cleaning it."""
    cleaning_by: str | None = None
    cleaning_since: str | None = None
    last_clean: LastClean | None = None

    @property
    def status(self) -> BedStatus:
        """One status per bed, as HL7 table 0116 does, with `reserved` as its own state."""
        if self.occupancy == "occupied":
            return "occupied"
        if self.blocked is not None:
            return BLOCK_STATUS[self.blocked.kind]
        if self.occupancy == "reserved":
            return "reserved"
        return self.cleanliness

    @property
    def takes_a_patient(self) -> bool:
        """Vacant, clean and not blocked."""
        return self.encounter_id is None and self.cleanliness == "clean" and self.blocked is None


@dataclass(slots=True)
class Beds:
    beds: dict[str, Bed] = field(default_factory=dict)

    def bed(self, bed_id: str) -> Bed:
        try:
            return self.beds[bed_id]
        except KeyError:
            raise NotFound(f"There is no bed {bed_id!r}.") from None
