"""A transfer between units, as the boards read it: the receiving unit counts and queues the
incoming patient (with the legal beds of its own unit to choose from), the sending unit
lists where its patient goes, and every event that ends a transfer reaches the unit it was
going to. A bed remembers the stays that held it, for its history."""

from __future__ import annotations

from typing import Any

from builders import (
    admission_requested,
    admitted,
    bed_assigned,
    discharged,
    layout_events,
    stay_event,
    transfer_requested,
)

from unitboard.domain.aggregates import HOUSE
from unitboard.domain.context import Context
from unitboard.domain.events import Event
from unitboard.domain.hospital import Hospital
from unitboard.projections.board import BoardProjection
from unitboard.store import StoredEvent

SECRETARY = Context("secretary", "secretary")


class Board:
    """The server's projection, fed one event at a time as the follower does, remembering
    the units each event touched (what the screens' fan-out reads)."""

    def __init__(self, *events: Event | list[Event]) -> None:
        self.projection = BoardProjection(Hospital())
        self.position = 0
        self.touched: list[set[str]] = []
        self.add(layout_events())
        for item in events:
            self.add(item)

    def add(self, events: Event | list[Event]) -> set[str]:
        batch = []
        for event in [events] if isinstance(events, Event) else events:
            self.position += 1
            at = f"2026-03-01T08:{self.position % 60:02d}:00+00:00"
            batch.append(StoredEvent(self.position, event.stream_id, 1, event, {}, at))
        self.projection.apply(batch)
        units: set[str] = set()
        for recorded in batch:
            units.update(self.projection.router.units(self.projection.hospital, recorded.event))
        self.touched.append(units)
        return units


def transfer_cancelled(encounter_id: str, released_bed_id: str | None = None) -> Event:
    return stay_event(
        "TransferCancelled", encounter_id, reason="family said no", released_bed_id=released_bed_id
    )


def offered(board: Board, encounter_id: str, command: str) -> list[str]:
    offers = HOUSE.offered(board.projection.hospital, "stay", encounter_id, SECRETARY)
    offer = next((o for o in offers if o.command == command), None)
    return offer.choice_values("bed_id") if offer is not None else []


def test_the_receiving_unit_counts_and_queues_an_incoming_transfer() -> None:
    board = Board(
        admitted("E1", "4W-401-A"),
        admission_requested("E2", unit_id="ICU"),
        transfer_requested("E1", "ICU", "needs a monitored bed"),
    )
    projection = board.projection
    assert [s.encounter_id for s in projection.pending_admissions("ICU")] == ["E2", "E1"]
    assert projection.census("ICU")["pending_admissions"] == 2  # the wall's "pending" count
    assert [s.encounter_id for s in projection.incoming_transfers("ICU")] == ["E1"]
    assert projection.pending_admissions("4W") == []
    assert [s.encounter_id for s in projection.outgoing_transfers("4W")] == ["E1"]
    queued = projection.unit_board("ICU")["pending_admissions"]
    assert [row["encounter_id"] for row in queued] == ["E2", "E1"]
    incoming = queued[1]
    assert (incoming["unit_id"], incoming["bed_id"], incoming["transfer_to_unit_id"]) == (
        "4W",
        "4W-401-A",
        "ICU",
    )
    assert incoming["transfer_reason"] == "needs a monitored bed"
    assert incoming["waiting_since"] > incoming["requested_at"]  # since the transfer, not admission


def test_the_incoming_patient_is_offered_the_receiving_units_legal_beds_only() -> None:
    board = Board(
        admitted("E1", "4W-401-A"),
        admitted("E3", "ICU-3-A", mrn="M3", unit_id="ICU"),
        transfer_requested("E1", "ICU"),
    )
    beds = offered(board, "E1", "AssignBed")
    assert beds and all(bed.startswith("ICU-") for bed in beds)
    assert "ICU-3-A" not in beds  # occupied
    # once a bed is reserved there, another one may be chosen instead
    board.add(bed_assigned("E1", beds[0]))
    assert board.projection.pending_admissions("ICU") == []
    instead = offered(board, "E1", "AssignBed")
    assert instead and beds[0] not in instead and all(b.startswith("ICU-") for b in instead)


def test_a_cancelled_transfer_reaches_the_unit_it_was_going_to() -> None:
    board = Board(admitted("E1", "4W-401-A"))
    assert "ICU" in board.add(transfer_requested("E1", "ICU"))
    assert len(board.projection.pending_admissions("ICU")) == 1
    touched = board.add(transfer_cancelled("E1"))
    assert "ICU" in touched, "the receiving unit's queue and count must be redrawn"
    assert board.projection.pending_admissions("ICU") == []
    assert board.projection.outgoing_transfers("4W") == []
    # afterwards the patient's events are the sending unit's alone again
    assert "ICU" not in board.add(stay_event("DischargeOrdered", "E1", expected_at=None))


def test_a_discharge_during_a_transfer_reaches_the_receiving_unit() -> None:
    board = Board(admitted("E1", "4W-401-A"), transfer_requested("E1", "ICU"))
    assert "ICU" in board.add(discharged("E1", "4W-401-A"))
    assert board.projection.census("ICU")["pending_admissions"] == 0


def test_a_bed_remembers_the_stays_that_held_it() -> None:
    board = Board(
        admitted("E1", "4W-401-A"),
        discharged("E1", "4W-401-A"),
        admitted("E2", "4W-402-A", mrn="M2"),
    )
    trail: dict[str, Any] = board.projection.trail.bed_stays
    assert list(trail["4W-401-A"]) == ["E1"]
    assert list(trail["4W-402-A"]) == ["E2"]
