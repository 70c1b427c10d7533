"""`unitboard replay`: rebuild every projection from the log and verify it.

The board is built twice from the same log: once in large batches (as at start-up) and once
event by event (as the live follower does), and every view of both must be equal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from unitboard.projections.board import FULL, WALL, BoardProjection
from unitboard.store import EventLog


@dataclass(frozen=True)
class ReplayReport:
    events: int
    ok: bool
    summary: str


def views(projection: BoardProjection) -> dict[str, Any]:
    units = projection.layout.units
    return {
        "hospital": projection.hospital,
        "boards": {u: projection.unit_board(u, FULL) for u in units},
        "walls": {u: projection.unit_board(u, WALL) for u in units},
        "evs": [bed.bed_id for bed in projection.evs_queue()],
        "responses": (projection.responses.lights, projection.responses.pages),
        "transport_times": list(projection.transport_times.jobs),
        "stay_periods": projection.stay_periods.periods,
    }


def rebuild_and_verify(log: EventLog) -> ReplayReport:
    batched, live = BoardProjection(), BoardProjection()
    batch = []
    count = 0
    for event in log.iter_from(0):
        count += 1
        live.apply([event])
        batch.append(event)
        if len(batch) == 5000:
            batched.apply(batch)
            batch = []
    batched.apply(batch)
    differences = [name for name, view in views(batched).items() if views(live)[name] != view]
    summary = (
        f"{len(batched.layout.units)} units, {len(batched.beds)} beds, "
        f"{len(batched.stays.open_stays)} active stays, at position {batched.position}; "
        + (
            "verified: batch and live rebuilds agree"
            if not differences
            else f"MISMATCH in {', '.join(differences)}"
        )
    )
    return ReplayReport(count, not differences, summary)
