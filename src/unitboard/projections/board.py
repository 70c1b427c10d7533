"""The board read model: the hospital folded from the log, and the views each screen reads
(a unit's beds with one status each, census counts, the pending admissions, the EVS queue)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from unitboard.domain.evolve import Recorded, evolve
from unitboard.domain.placement import room_conflicts
from unitboard.domain.state import Bed, Hospital, Stay
from unitboard.projections.privacy import shown_name, staff_name

STATUS_CODES = {
    "occupied": "O",
    "reserved": "R",
    "clean": "U",
    "dirty": "H",
    "cleaning": "H",
    "blocked": "C",
    "isolated": "I",
}


@dataclass(frozen=True, slots=True)
class Viewer:
    """What a screen may see: privacy mode shows initials only and nothing clinical."""

    privacy: bool = False
    see_confidential: bool = True


FULL = Viewer()
WALL = Viewer(privacy=True, see_confidential=False)


@dataclass
class BoardProjection:
    hospital: Hospital = field(default_factory=Hospital)
    updated_at: dict[str, str] = field(default_factory=dict)

    @property
    def position(self) -> int:
        return self.hospital.position

    def apply(self, events: Sequence[Recorded]) -> None:
        hospital, updated_at = self.hospital, self.updated_at
        for event in events:
            if event.position <= hospital.position:
                continue
            evolve(hospital, event, event.recorded_at)
            hospital.position = event.position
            unit_id = event.data.get("unit_id") or self._unit_of(event.data)
            if unit_id:
                updated_at[unit_id] = event.recorded_at

    def _unit_of(self, data: dict[str, Any]) -> str | None:
        hospital = self.hospital
        if (bed := hospital.beds.get(data.get("bed_id", ""))) is not None:
            return bed.unit_id
        if (stay := hospital.stays.get(data.get("encounter_id", ""))) is not None:
            return stay.unit_id
        return None

    # -- views ------------------------------------------------------------------------------

    def unit_board(self, unit_id: str, viewer: Viewer = FULL) -> dict[str, Any]:
        hospital = self.hospital
        unit = hospital.unit(unit_id)
        beds = [hospital.beds[b] for r in unit.room_ids for b in hospital.rooms[r].bed_ids]
        return {
            "unit_id": unit.unit_id,
            "name": unit.name,
            "hospital": hospital.name,
            "position": hospital.position,
            "updated_at": self.updated_at.get(unit_id),
            "census": self.census(unit_id),
            "beds": [self.bed_view(bed, viewer) for bed in beds],
            "pending_admissions": [
                self.stay_view(stay, viewer) for stay in self.pending_admissions(unit_id)
            ],
        }

    def census(self, unit_id: str) -> dict[str, int]:
        hospital = self.hospital
        unit = hospital.unit(unit_id)
        beds = [hospital.beds[b] for r in unit.room_ids for b in hospital.rooms[r].bed_ids]
        return {
            "total": len(beds),
            "occupied": sum(b.occupancy == "occupied" for b in beds),
            "reserved": sum(b.occupancy == "reserved" for b in beds),
            "ready": sum(bed_status(b) == "clean" for b in beds),
            "dirty": sum(b.cleanliness != "clean" and b.occupancy != "occupied" for b in beds),
            "blocked": sum(b.blocked is not None for b in beds),
            "pending_admissions": len(self.pending_admissions(unit_id)),
        }

    def pending_admissions(self, unit_id: str) -> list[Stay]:
        waiting = [
            s
            for s in self.hospital.open_stays.values()
            if s.status == "pending" and s.reserved_bed_id is None and s.unit_id == unit_id
        ]
        return sorted(waiting, key=lambda s: s.requested_at or "")

    def bed_view(self, bed: Bed, viewer: Viewer = FULL) -> dict[str, Any]:
        status = bed_status(bed)
        stay = self.hospital.stays.get(bed.encounter_id) if bed.encounter_id else None
        return {
            "bed_id": bed.bed_id,
            "room_id": bed.room_id,
            "label": bed.label,
            "features": list(self.hospital.rooms[bed.room_id].features),
            "occupancy": bed.occupancy,
            "cleanliness": bed.cleanliness,
            "evs_priority": self.evs_priority(bed),
            "blocked": {"reason": bed.blocked.reason, "until": bed.blocked.until}
            if bed.blocked
            else None,
            "status": status,
            "status_code": STATUS_CODES[status],
            "encounter_id": None if viewer.privacy else bed.encounter_id,
            "patient": self.stay_view(stay, viewer) if stay else None,
            "warnings": room_conflicts(self.hospital, bed.room_id) if stay else [],
        }

    def stay_view(self, stay: Stay, viewer: Viewer = FULL) -> dict[str, Any]:
        name = shown_name(stay, privacy=viewer.privacy, see_confidential=viewer.see_confidential)
        view: dict[str, Any] = {
            "name": name,
            "sex": stay.sex,
            "isolation": stay.isolation,
            "fall_risk": stay.fall_risk,
            "nurse": stay.nurse,
            "nurse_name": staff_name(stay.nurse_name, privacy=viewer.privacy),
            "discharge_ordered": stay.discharge_ordered,
            "expected_discharge": stay.expected_discharge,
            "transfer_to_unit_id": stay.transfer_to_unit_id,
            "arriving": stay.status == "pending" or stay.reserved_bed_id is not None,
            "source": stay.source,
        }
        if viewer.privacy:
            return view
        hidden = stay.confidential and not viewer.see_confidential
        return view | {
            "encounter_id": stay.encounter_id,
            "mrn": None if hidden else stay.mrn,
            "birth_date": None if hidden else stay.birth_date,
            "family_name": None if hidden else stay.family_name,
            "given_name": None if hidden else stay.given_name,
            "confidential": stay.confidential,
            "attending": stay.attending,
            "status": stay.status,
            "bed_id": stay.bed_id,
            "reserved_bed_id": stay.reserved_bed_id,
            "unit_id": stay.unit_id,
            "requested_at": stay.requested_at,
        }

    def evs_queue(self) -> list[Bed]:
        """Beds to clean, across the hospital, most needed first: a bed a waiting patient
        needs (reserved, stat), then clean-next, then the longest dirty."""
        beds = [
            b
            for b in self.hospital.beds.values()
            if b.cleanliness != "clean" and b.occupancy != "occupied"
        ]
        rank = {"stat": 0, "clean_next": 1, None: 2}
        return sorted(
            beds, key=lambda b: (rank[self.evs_priority(b)], b.dirty_since or "", b.bed_id)
        )

    def evs_priority(self, bed: Bed) -> str | None:
        if bed.cleanliness == "clean" or bed.occupancy == "occupied":
            return None
        if bed.occupancy == "reserved":
            return "stat"
        if bed.evs_priority:
            return bed.evs_priority
        return "clean_next" if self.pending_admissions(bed.unit_id) else None


def bed_status(bed: Bed) -> str:
    """One status per bed, as HL7 table 0116 does, with `reserved` as its own state."""
    if bed.occupancy == "occupied":
        return "occupied"
    if bed.blocked is not None:
        return "isolated" if "isolation" in bed.blocked.reason.lower() else "blocked"
    if bed.occupancy == "reserved":
        return "reserved"
    return bed.cleanliness
