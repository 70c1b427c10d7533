"""The board read model: the hospital folded from the log, and the views each screen reads
(a unit's beds with one status each, census counts, the patients waiting for a bed, the
transfers going out, the EVS queue and the beds cleaned lately)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from unitboard.domain.beds.state import Bed, Beds, Block
from unitboard.domain.hospital import Hospital, Recorded
from unitboard.domain.layout.state import Layout
from unitboard.domain.stays.placement import room_conflicts
from unitboard.domain.stays.state import Stay, Stays
from unitboard.domain.values import BLOCK_LABELS, STATUS_CODES
from unitboard.projections.alerts import name_alert_view, unit_name_alerts
from unitboard.projections.privacy import shown_name, staff_name
from unitboard.projections.responses import ResponseTimes
from unitboard.projections.stay_periods import StayPeriods
from unitboard.projections.trail import Trail, TransferRouter
from unitboard.projections.transports import TransportTimes


@dataclass(frozen=True, slots=True)
class Viewer:
    """What a screen may see: privacy mode shows initials only and nothing clinical."""

    privacy: bool = False
    see_confidential: bool = True


FULL = Viewer()
WALL = Viewer(privacy=True, see_confidential=False)


def iso(value: Any) -> str | None:
    """A date or time as the API writes it (ISO 8601), None as None."""
    return None if value is None else str(value.isoformat())


@dataclass
class BoardProjection:
    hospital: Hospital = field(default_factory=Hospital)
    updated_at: dict[str, str] = field(default_factory=dict)
    """Each unit's last change: when an event last touched it."""

    def __post_init__(self) -> None:
        self._name_alerts: dict[tuple[str, bool], dict[str, list[str]]] = {}
        self._name_alerts_at = -1
        self.trail = Trail()
        self.router = TransferRouter(self.hospital.registry, self.trail)
        self.responses = ResponseTimes()
        """Call-light and page response times (projections/responses.py)."""
        self.transport_times = TransportTimes()
        """Each ended transport job's steps and times (projections/transports.py)."""
        self.watch = {**self.trail.watch, **self.responses.watch, **self.transport_times.watch}
        self.stay_periods = StayPeriods()
        """When each stay arrived in each bed and left it (projections/stay_periods.py)."""
        self.stay_periods.join(self.watch)

    @property
    def position(self) -> int:
        return self.hospital.position

    @property
    def layout(self) -> Layout:
        return self.hospital[Layout]

    @property
    def beds(self) -> dict[str, Bed]:
        return self.hospital[Beds].beds

    @property
    def stays(self) -> Stays:
        return self.hospital[Stays]

    def apply(self, events: Sequence[Recorded]) -> None:
        hospital, updated_at, units_of = self.hospital, self.updated_at, self.router.units
        watch = self.watch
        self.trail.new_batch()
        for recorded in events:
            if recorded.position <= hospital.position:
                continue
            hospital.evolve(recorded.event, recorded.recorded_at)
            hospital.position = recorded.position
            if (noted := watch.get(type(recorded.event))) is not None:
                noted(hospital, recorded.event, recorded.recorded_at)
            for unit_id in units_of(hospital, recorded.event):
                updated_at[unit_id] = recorded.recorded_at

    # -- views ------------------------------------------------------------------------------

    def unit_beds(self, unit_id: str) -> list[Bed]:
        beds = self.beds
        return [beds[bed_id] for bed_id in self.layout.bed_ids(unit_id)]

    def unit_board(self, unit_id: str, viewer: Viewer = FULL) -> dict[str, Any]:
        unit = self.layout.unit(unit_id)
        return {
            "unit_id": unit.unit_id,
            "name": unit.name,
            "hospital": self.layout.name,
            "position": self.position,
            "updated_at": self.updated_at.get(unit_id),
            "census": self.census(unit_id),
            "beds": [self.bed_view(bed, viewer) for bed in self.unit_beds(unit_id)],
            "pending_admissions": [
                self.stay_view(stay, viewer) for stay in self.pending_admissions(unit_id)
            ],
        }

    def census(self, unit_id: str) -> dict[str, int]:
        """The unit's counts; `pending_admissions` counts everyone waiting for a bed here:
        new admissions and the transfers coming in from other units."""
        beds = self.unit_beds(unit_id)
        return {
            "total": len(beds),
            "occupied": sum(b.occupancy == "occupied" for b in beds),
            "reserved": sum(b.occupancy == "reserved" for b in beds),
            "ready": sum(b.status == "clean" for b in beds),
            "dirty": sum(b.cleanliness != "clean" and b.occupancy != "occupied" for b in beds),
            "blocked": sum(b.blocked is not None for b in beds),
            "pending_admissions": len(self.pending_admissions(unit_id)),
        }

    def pending_admissions(self, unit_id: str) -> list[Stay]:
        """Everyone waiting for a bed on this unit, the longest waiting first: new
        admissions, and patients of other units whose transfer here has no bed yet."""
        waiting = [
            s
            for s in self.stays.open_stays.values()
            if s.reserved_bed_id is None
            and (
                (s.status == "pending" and s.unit_id == unit_id)
                or (s.status == "admitted" and s.transfer_to_unit_id == unit_id)
            )
        ]
        return sorted(waiting, key=lambda s: self.waiting_since(s) or "")

    def incoming_transfers(self, unit_id: str) -> list[Stay]:
        """Patients of other units whose transfer here has no bed yet (part of the queue)."""
        return [s for s in self.pending_admissions(unit_id) if s.status == "admitted"]

    def outgoing_transfers(self, unit_id: str) -> list[Stay]:
        """This unit's patients with a transfer to another unit pending, a bed there
        reserved or not, the longest waiting first."""
        leaving = [
            s
            for s in self.stays.open_stays.values()
            if s.transfer_to_unit_id is not None
            and s.transfer_to_unit_id != unit_id
            and s.unit_id == unit_id
        ]
        return sorted(leaving, key=lambda s: self.waiting_since(s) or "")

    def waiting_since(self, stay: Stay) -> str | None:
        """When the patient started waiting for a bed: the transfer's request, or the
        admission's."""
        if stay.transfer_to_unit_id is not None:
            return self.trail.transfer_since.get(stay.encounter_id) or stay.requested_at
        return stay.requested_at

    def bed_view(self, bed: Bed, viewer: Viewer = FULL) -> dict[str, Any]:
        status = bed.status
        stay = self.stays.stays.get(bed.encounter_id) if bed.encounter_id else None
        block = bed.blocked
        return {
            "bed_id": bed.bed_id,
            "room_id": bed.room_id,
            "label": bed.label,
            "features": list(self.layout.rooms[bed.room_id].features),
            "occupancy": bed.occupancy,
            "cleanliness": bed.cleanliness,
            "evs_priority": self.evs_priority(bed),
            **cleaning_view(bed, viewer),
            "blocked": block_view(block, viewer) if block else None,
            "status": status,
            "status_code": STATUS_CODES[status],
            "encounter_id": None if viewer.privacy else bed.encounter_id,
            "patient": self.stay_view(stay, viewer) if stay else None,
            "warnings": room_conflicts(self.hospital, bed.room_id) if stay else [],
            **self.name_alert(bed, viewer),
        }

    def name_alert(self, bed: Bed, viewer: Viewer) -> dict[str, Any]:
        """A bed's name alert (projections/alerts.py), from its unit's, worked out once per
        log position and kind of viewer: a board asks for each of its beds."""
        if self._name_alerts_at != self.position:
            self._name_alerts, self._name_alerts_at = {}, self.position
        hidden = viewer.privacy or not viewer.see_confidential
        alerts = self._name_alerts.get((bed.unit_id, hidden))
        if alerts is None:
            alerts = unit_name_alerts(self.hospital, bed.unit_id, see_confidential=not hidden)
            self._name_alerts[(bed.unit_id, hidden)] = alerts
        return name_alert_view(alerts.get(bed.bed_id, []), privacy=viewer.privacy)

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
            "expected_discharge": iso(stay.expected_discharge),
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
            "birth_date": None if hidden else iso(stay.birth_date),
            "family_name": None if hidden else stay.family_name,
            "given_name": None if hidden else stay.given_name,
            "confidential": stay.confidential,
            "attending": stay.attending,
            "status": stay.status,
            "bed_id": stay.bed_id,
            "reserved_bed_id": stay.reserved_bed_id,
            "unit_id": stay.unit_id,
            "requested_at": stay.requested_at,
            "waiting_since": self.waiting_since(stay),
            "transfer_reason": stay.transfer_reason,
        }

    def evs_queue(self, unit_id: str | None = None) -> list[Bed]:
        """Beds to clean, across the hospital or on one unit, most needed first: a bed a
        waiting patient needs (reserved, stat), then clean-next, then the longest dirty."""
        beds = [
            b
            for b in self.beds.values()
            if b.cleanliness != "clean"
            and b.occupancy != "occupied"
            and (unit_id is None or b.unit_id == unit_id)
        ]
        rank = {"stat": 0, "clean_next": 1, None: 2}
        return sorted(
            beds, key=lambda b: (rank[self.evs_priority(b)], b.dirty_since or "", b.bed_id)
        )

    def recently_cleaned(self, since: dt.datetime, unit_id: str | None = None) -> list[Bed]:
        """Beds cleaned since `since` that are still clean with no patient in them, the
        latest first: those whose clean can still be undone."""
        cleaned = [
            (last.at, b)
            for b in self.beds.values()
            if (last := b.last_clean) is not None
            and b.occupancy != "occupied"
            and (unit_id is None or b.unit_id == unit_id)
            and recorded_after(last.at, since)
        ]
        return [
            b for _, b in sorted(cleaned, key=lambda pair: (pair[0], pair[1].bed_id), reverse=True)
        ]

    def evs_priority(self, bed: Bed) -> str | None:
        if bed.cleanliness == "clean" or bed.occupancy == "occupied":
            return None
        if bed.occupancy == "reserved":
            return "stat"
        if bed.evs_priority:
            return bed.evs_priority
        return "clean_next" if self.pending_admissions(bed.unit_id) else None


def cleaning_view(bed: Bed, viewer: Viewer) -> dict[str, Any]:
    """Housekeeping's facts on a bed: a terminal clean needed, who is cleaning it and since
    when, and its last clean while it is still clean (staff are named, as nurses are)."""
    cleaning = last = None
    if bed.cleanliness == "cleaning" and bed.cleaning_since is not None:
        by = staff_name(bed.cleaning_by, privacy=viewer.privacy)
        cleaning = {"by": by, "since": bed.cleaning_since}
    if bed.last_clean is not None:
        by = staff_name(bed.last_clean.by, privacy=viewer.privacy)
        last = {"by": by, "at": bed.last_clean.at}
    return {"terminal": bed.terminal, "cleaning": cleaning, "last_clean": last}


def recorded_after(at: str, since: dt.datetime) -> bool:
    """Whether a recorded time (ISO 8601, with its offset) is at or after `since`."""
    try:
        return dt.datetime.fromisoformat(at) >= since
    except (TypeError, ValueError):
        return False


def block_view(block: Block, viewer: Viewer) -> dict[str, Any]:
    """A blocked bed: its kind, and in privacy mode no free text (a reason is typed by a
    person and may name a patient: "pt Smith's family staying"); the kind's label instead."""
    reason = BLOCK_LABELS[block.kind] if viewer.privacy else block.reason
    return {"kind": block.kind, "reason": reason, "until": iso(block.until)}
