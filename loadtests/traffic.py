"""Unit-secretary traffic shared by the locust load and the fan-out benchmark: each free bed
walks admit -> assign -> arrive -> discharge -> start cleaning -> clean, so nearly every
command is legal whatever order the beds are driven in."""

from __future__ import annotations

import itertools
import socket
import uuid
from dataclasses import dataclass
from typing import Any

STEPS = [
    "RequestAdmission",
    "AssignBed",
    "MarkArrived",
    "DischargePatient",
    "StartCleaning",
    "MarkBedClean",
]


@dataclass
class Bed:
    bed_id: str
    unit_id: str
    sex: str
    step: int = 0
    encounter_id: str = ""
    cycles: int = 0

    def next_command(self) -> tuple[str, dict[str, Any]]:
        name = STEPS[self.step]
        if name == "RequestAdmission":
            self.encounter_id = "LD" + uuid.uuid4().hex[:10].upper()
            return name, {
                "encounter_id": self.encounter_id,
                "mrn": "M" + self.encounter_id,
                "family_name": "Load",
                "given_name": f"Bed{self.bed_id.replace('-', '')}",
                "birth_date": "1970-01-01",
                "sex": self.sex,
                "unit_id": self.unit_id,
                "source": "ed",
                "attending": "Dr. Load",
            }
        if name == "AssignBed":
            return name, {"encounter_id": self.encounter_id, "bed_id": self.bed_id}
        if name in ("MarkArrived", "DischargePatient"):
            return name, {"encounter_id": self.encounter_id}
        return name, {"bed_id": self.bed_id}

    def advance(self) -> None:
        """The command was acknowledged: the next one in the cycle."""
        self.step = (self.step + 1) % len(STEPS)
        self.cycles += self.step == 0


def free_beds(boards: dict[str, dict[str, Any]]) -> list[Bed]:
    """Beds a load can drive, from `GET /api/units/{id}/board` answers (unit id -> board),
    resuming beds an earlier run left mid-cycle; interleaved so consecutive commands go to
    different units."""
    beds: list[Bed] = []
    for unit, board in boards.items():
        room_sex: dict[str, str] = {}
        isolated: set[str] = set()
        for bed in board["beds"]:
            patient = bed.get("patient")
            if patient:
                room_sex.setdefault(bed["room_id"], patient["sex"])
                if patient.get("isolation") not in (None, "none"):
                    isolated.add(bed["room_id"])
        for bed in board["beds"]:
            if bed["blocked"] or bed["room_id"] in isolated:
                continue
            patient = bed.get("patient") or {}
            sex = room_sex.get(bed["room_id"], "F")
            step = None
            if bed["occupancy"] == "vacant":
                step = {"clean": 0, "dirty": 4, "cleaning": 5}.get(bed["cleanliness"])
            elif patient.get("family_name") == "Load" and bed["cleanliness"] == "clean":
                step = {"reserved": 2, "occupied": 3}.get(bed["occupancy"])
            if step is not None:
                beds.append(Bed(bed["bed_id"], unit, sex, step, bed.get("encounter_id") or ""))
    by_unit = [[b for b in beds if b.unit_id == u] for u in boards]
    return [b for group in itertools.zip_longest(*by_unit) for b in group if b]


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


def latency_summary(seconds: list[float]) -> dict[str, Any]:
    """Latencies in seconds as the benchmarks report them: count, p50, p99, max in ms."""
    ordered = sorted(s * 1000 for s in seconds)
    return {
        "count": len(ordered),
        "p50_ms": round(percentile(ordered, 50), 1),
        "p99_ms": round(percentile(ordered, 99), 1),
        "max_ms": round(ordered[-1], 1) if ordered else None,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
